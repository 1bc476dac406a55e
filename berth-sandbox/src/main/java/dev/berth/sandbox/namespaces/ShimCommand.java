package dev.berth.sandbox.namespaces;

import dev.berth.sandbox.output.SegmentLog;
import dev.berth.sandbox.spi.CommandExit;
import dev.berth.sandbox.spi.OutputCursor;
import dev.berth.sandbox.spi.RunningCommand;
import dev.berth.sandbox.spi.SandboxException;
import dev.berth.sandbox.spi.TerminalInput;
import dev.berth.sandbox.spi.TerminalSize;
import java.nio.channels.SocketChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** A command supervised by the shim: its exit record and output log live in its directory. */
final class ShimCommand implements RunningCommand {
    private final String id;
    private final Path dir;
    private final ShimClient shim;
    private volatile CommandExit exit;

    ShimCommand(String id, Path dir, ShimClient shim) {
        this.id = id;
        this.dir = dir;
        this.shim = shim;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public Optional<CommandExit> exit() {
        if (exit == null) {
            exit = readExit(dir);
        }
        return Optional.ofNullable(exit);
    }

    /** Parses {@code code=N signal=S timed_out=0|1 started_ms=… ended_ms=… end=OFFSET}. */
    static CommandExit readExit(Path dir) {
        String line;
        try {
            line = Files.readString(dir.resolve("exit")).strip();
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Long> f = new HashMap<>();
        for (String kv : line.split("\\s+")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                f.put(kv.substring(0, eq), Long.parseLong(kv.substring(eq + 1)));
            }
        }
        return new CommandExit(f.getOrDefault("code", -1L).intValue(), f.getOrDefault("signal", 0L).intValue(),
                f.getOrDefault("timed_out", 0L) != 0, f.getOrDefault("started_ms", 0L), f.getOrDefault("ended_ms", 0L),
                f.getOrDefault("end", 0L));
    }

    @Override
    public OutputCursor follow(long offset) {
        return new ShimOutputCursor(this, dir, shim, offset);
    }

    @Override
    public long firstRetainedOffset() {
        try (SegmentLog log = new SegmentLog(dir)) {
            OptionalLong first = log.firstOffset();
            return first.isPresent() ? first.getAsLong() : endOffset(); // walk the log only when there is no segment
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public long endOffset() {
        Optional<CommandExit> done = exit();
        if (done.isPresent()) {
            return done.get().endOffset();
        }
        // running: walk the log from its first retained byte; cheap, as segments are small
        try (SegmentLog log = new SegmentLog(dir)) {
            long offset = log.firstOffset().orElse(0);
            ByteBuffer buf = ByteBuffer.allocate(256 << 10);
            while (true) {
                buf.clear();
                SegmentLog.Result r = log.read(offset, buf);
                switch (r) {
                    case SegmentLog.Result.Data d -> offset += d.length();
                    case SegmentLog.Result.Gap g -> offset = g.to();
                    case SegmentLog.Result.Pending p -> {
                        return offset;
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void signal(int signal) {
        if (exit().isPresent()) {
            return;
        }
        try {
            shim.call(ShimMessage.of('K').add('i', id).add('s', signal).build());
        } catch (SandboxException e) {
            if (e.kind() != SandboxException.Kind.COMMAND_NOT_FOUND) {
                throw e;
            }
        }
    }

    @Override
    public void write(byte[] input) {
        shim.call(ShimMessage.of('I').add('i', id).add('d', input).build());
    }

    @Override
    public TerminalInput openInput() {
        return new HeldInput();
    }

    /**
     * Typing over one held-open supervisor connection ({@code I} with {@code h=1}), re-opened when
     * it broke or sat idle so long that the supervisor may have let it go.
     */
    private final class HeldInput implements TerminalInput {
        /** Well inside the supervisor's 60 s limit for a connection between requests. */
        private static final long IDLE_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        private SocketChannel ch;
        private long usedAt;

        @Override
        public void write(byte[] input) {
            ShimMessage request = ShimMessage.of('I').add('i', id).add('h', 1).add('d', input).build();
            boolean reused = ch != null && System.nanoTime() - usedAt < IDLE_NANOS;
            if (!reused) {
                close();
            }
            try {
                if (ch == null) {
                    ch = shim.connect();
                }
                ShimMessage reply = exchange(request);
                if (reply == null && reused) {
                    // the supervisor closed it unread (it can only do that between requests): once more, afresh
                    close();
                    ch = shim.connect();
                    reply = exchange(request);
                }
                if (reply == null) {
                    throw new SandboxException(SandboxException.Kind.FAILED, "the sandbox supervisor closed the connection");
                }
                usedAt = System.nanoTime();
                if (reply.is('E')) {
                    throw ShimClient.error(reply);
                }
            } catch (IOException e) {
                close();
                throw new SandboxException(SandboxException.Kind.FAILED, "sandbox supervisor unreachable: " + e.getMessage(), e);
            }
        }

        /** Sends and reads the answer; null if the connection ended (or broke) first. */
        private ShimMessage exchange(ShimMessage request) {
            try {
                request.writeTo(ch);
                return ShimMessage.readFrom(ch);
            } catch (IOException e) {
                return null;
            }
        }

        @Override
        public void close() {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // a unix socket: nothing of ours is lost by a failed close
                }
                ch = null;
            }
        }
    }

    @Override
    public void resize(TerminalSize size) {
        shim.call(ShimMessage.of('Z').add('i', id).add('y', size.rows()).add('x', size.cols()).build());
    }
}
