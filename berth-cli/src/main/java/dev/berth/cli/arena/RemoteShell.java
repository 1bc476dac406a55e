package dev.berth.cli.arena;

import dev.berth.api.client.BerthClient;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.stream.FrameCodec;
import dev.berth.api.stream.StreamFrame;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/** A shell command in a session, run to its end through the direct-command API: its exit code and output. */
final class RemoteShell {
    private RemoteShell() {}

    record Result(int code, String output) {}

    static Result run(BerthClient client, String session, String script, byte[] stdin) {
        CommandRequest r = new CommandRequest(null, List.of("/bin/sh", "-c", script), null, null, null,
                stdin == null ? null : Base64.getEncoder().encodeToString(stdin), null, null);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = client.runCommand(session, r)) {
            FrameCodec.Reader frames = new FrameCodec.Reader(in);
            for (StreamFrame f; (f = frames.next()) != null; ) {
                switch (f) {
                    case StreamFrame.Output o -> {
                        if (out.size() < 64 << 10) {
                            out.writeBytes(o.data());
                        }
                    }
                    case StreamFrame.Exit x -> {
                        return new Result(x.status().shellStatus(), out.toString(StandardCharsets.UTF_8));
                    }
                    default -> { }
                }
            }
            throw new IOException("the command's stream ended before its exit");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
