package dev.berth.sandbox.contract;

import dev.berth.sandbox.spi.CommandExit;
import dev.berth.sandbox.spi.CommandSpec;
import dev.berth.sandbox.spi.OutputChunk;
import dev.berth.sandbox.spi.OutputCursor;
import dev.berth.sandbox.spi.RunningCommand;
import dev.berth.sandbox.spi.Sandbox;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** What a command printed and how it ended, collected through the driver's own output cursor. */
public record CommandResult(String stdout, String stderr, CommandExit exit, long gaps) {

    public static final Map<String, String> ENV = Map.of(
            "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME", "/root", "LANG", "C.UTF-8");

    public static CommandResult run(Sandbox sandbox, String shell) throws Exception {
        return run(sandbox, spec(List.of("/bin/sh", "-c", shell)));
    }

    public static CommandSpec spec(List<String> argv) {
        return new CommandSpec("t-" + UUID.randomUUID().toString().substring(0, 12), argv, ENV, "/mnt/workspace",
                null, null, 64L << 20);
    }

    public static CommandSpec spec(List<String> argv, Map<String, String> env, String cwd, byte[] stdin, Duration timeout) {
        return new CommandSpec("t-" + UUID.randomUUID().toString().substring(0, 12), argv, env, cwd, stdin, timeout,
                64L << 20);
    }

    public static CommandResult run(Sandbox sandbox, CommandSpec spec) throws Exception {
        return collect(sandbox.spawn(spec), 0);
    }

    public static CommandResult collect(RunningCommand command, long offset) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long gaps = 0;
        try (OutputCursor cursor = command.follow(offset)) {
            while (true) {
                OutputChunk chunk = cursor.next();
                switch (chunk) {
                    case OutputChunk.Data d -> {
                        byte[] b = new byte[d.data().remaining()];
                        d.data().get(b);
                        (d.stderr() ? err : out).write(b);
                    }
                    case OutputChunk.Gap g -> gaps += g.to() - g.from();
                    case OutputChunk.Idle i -> throw new AssertionError("next() without a limit never idles");
                    case OutputChunk.End e -> {
                        return new CommandResult(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
                                e.exit(), gaps);
                    }
                }
            }
        }
    }
}
