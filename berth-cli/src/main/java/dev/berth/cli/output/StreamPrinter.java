package dev.berth.cli.output;

import dev.berth.api.client.BerthClient;
import dev.berth.api.stream.FrameCodec;
import dev.berth.api.stream.StreamFrame;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.function.LongFunction;

/**
 * Copies a command's output stream to this process's stdout and stderr, byte for byte. If the
 * connection breaks before the exit frame, it re-attaches from the last offset it printed, so a
 * network hiccup neither loses nor repeats output.
 */
public final class StreamPrinter {
    private static final int MAX_RECONNECTS = 30;

    private final OutputStream out = new FileOutputStream(FileDescriptor.out);
    private final OutputStream err = new FileOutputStream(FileDescriptor.err);
    private final PrintStream notices;
    private String commandId;
    private long offset;

    public StreamPrinter(PrintStream notices, long startOffset) {
        this.notices = notices;
        this.offset = startOffset;
    }

    public String commandId() {
        return commandId;
    }

    /**
     * Prints {@code first} and, after any break, the output re-read from {@code reattach(offset)}.
     *
     * @return the exit frame
     */
    public StreamFrame.Exit print(InputStream first, BerthClient client, String sessionId, LongFunction<InputStream> reattach)
            throws InterruptedException {
        InputStream in = first;
        int failures = 0;
        while (true) {
            try (InputStream stream = in) {
                StreamFrame.Exit exit = copy(stream);
                if (exit != null) {
                    return exit;
                }
            } catch (IOException | UncheckedIOException e) {
                // connection cut: fall through and re-attach
            }
            if (commandId == null || ++failures > MAX_RECONNECTS) {
                throw new UncheckedIOException(new IOException("lost the connection to the server"
                        + (commandId == null ? "" : "; the command " + commandId + " may still run: berth attach "
                        + sessionId + " " + commandId + " --offset " + offset)));
            }
            notices.println("berth: connection lost; re-attaching at offset " + offset);
            Thread.sleep(Math.min(2000, 100L * failures)); // back off between reconnect attempts
            try {
                in = reattach.apply(offset);
            } catch (RuntimeException e) {
                in = InputStream.nullInputStream();
            }
        }
    }

    private StreamFrame.Exit copy(InputStream in) throws IOException {
        FrameCodec.Reader reader = new FrameCodec.Reader(in);
        StreamFrame f;
        while ((f = reader.next()) != null) {
            switch (f) {
                case StreamFrame.Start s -> commandId = s.commandId();
                case StreamFrame.Output o -> {
                    // a re-attach may start before what we printed: skip what we have
                    int skip = (int) Math.max(0, Math.min(o.data().length, offset - o.offset()));
                    if (o.offset() + o.data().length > offset) {
                        (o.channel() == StreamFrame.Channel.STDOUT ? out : err).write(o.data(), skip, o.data().length - skip);
                        offset = o.offset() + o.data().length;
                    }
                }
                case StreamFrame.Trimmed t -> {
                    notices.println("berth: " + t.skipped() + " bytes of output were trimmed before they could be shown");
                    offset = Math.max(offset, t.to());
                }
                case StreamFrame.Heartbeat h -> out.flush(); // nothing new: what we have is on screen
                case StreamFrame.Exit x -> {
                    out.flush();
                    err.flush();
                    return x;
                }
            }
        }
        return null;
    }
}
