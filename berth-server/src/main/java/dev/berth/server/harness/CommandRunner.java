package dev.berth.server.harness;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.CommandRequest;
import dev.berth.sandbox.spi.CommandExit;
import dev.berth.sandbox.spi.OutputChunk;
import dev.berth.sandbox.spi.OutputCursor;
import dev.berth.server.sessions.CommandService;
import dev.berth.server.sessions.CommandService.StartedCommand;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Runs a command in a session to its end on the server's own behalf (a harness turn, a check), the
 * same direct-command path a client's {@code berth run} takes: recorded, audited at its exit, its
 * output kept in the session for {@code berth logs}. Reads its stdout as lines as it runs.
 */
public final class CommandRunner {
    /** How often a quiet command is looked at for cancellation. */
    private static final Duration POLL = Duration.ofMillis(200);
    private static final int MAX_LINE = 1 << 20;
    private static final int TAIL = 4096;

    private final CommandService commands;

    public CommandRunner(CommandService commands) {
        this.commands = commands;
    }

    /**
     * @param commandId where the command's id goes as soon as it started (for an audit event naming it)
     * @param stdoutLines each line of its stdout, as it comes
     * @param keepStdout how much of its stdout to keep whole in the result (0 for none)
     * @param cancelled asked while it runs: true kills it
     * @return how it ended; {@code exit} is null when the session went away under it
     */
    public Result run(String sessionId, CommandRequest request, String user, Consumer<String> commandId,
            Consumer<String> stdoutLines, int keepStdout, BooleanSupplier cancelled) {
        StartedCommand started = commands.start(sessionId, request, user);
        String cid = started.record().id();
        commandId.accept(cid);
        LineSplitter out = new LineSplitter(MAX_LINE, stdoutLines);
        Tail tail = new Tail(TAIL);
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        boolean killed = false;
        try (OutputCursor cursor = started.command().follow(0)) {
            while (true) {
                if (!killed && cancelled.getAsBoolean()) {
                    started.command().signal(9);
                    killed = true;
                }
                OutputChunk chunk = cursor.next(POLL);
                switch (chunk) {
                    case OutputChunk.Data d -> {
                        ByteBuffer b = d.data();
                        tail.add(b.duplicate());
                        if (!d.stderr()) {
                            if (kept.size() < keepStdout) {
                                ByteBuffer k = b.duplicate();
                                byte[] bytes = new byte[Math.min(k.remaining(), keepStdout - kept.size())];
                                k.get(bytes);
                                kept.writeBytes(bytes);
                            }
                            out.feed(b.duplicate());
                        }
                    }
                    case OutputChunk.Gap g -> tail.add(ByteBuffer.wrap(("[" + (g.to() - g.from()) + " bytes trimmed]")
                            .getBytes(StandardCharsets.UTF_8)));
                    case OutputChunk.Idle i -> { }
                    case OutputChunk.End e -> {
                        out.end();
                        commands.recordExit(sessionId, cid, e.exit());
                        return new Result(cid, e.exit(), killed, tail.text(), kept.toString(StandardCharsets.UTF_8));
                    }
                }
            }
        } catch (IOException | ApiException e) {
            out.end();
            return new Result(cid, null, killed, tail.text() + "\n[" + e.getMessage() + "]", kept.toString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            started.command().signal(9);
            return new Result(cid, null, true, tail.text(), kept.toString(StandardCharsets.UTF_8));
        }
    }

    /**
     * @param exit null if the command was lost (its session stopped or went away under it)
     * @param killed whether it was killed because it was cancelled
     * @param tail the last few KiB of its stdout and stderr together
     * @param stdout as much of its stdout as was asked to be kept
     */
    public record Result(String commandId, CommandExit exit, boolean killed, String tail, String stdout) {
        public boolean succeeded() {
            return exit != null && exit.code() == 0 && exit.signal() == 0 && !exit.timedOut();
        }
    }

    /** The last bytes of a command's output, for saying why it failed. */
    private static final class Tail {
        private final byte[] ring;
        private long written;

        Tail(int size) {
            ring = new byte[size];
        }

        void add(ByteBuffer b) {
            while (b.hasRemaining()) {
                ring[(int) (written++ % ring.length)] = b.get();
            }
        }

        String text() {
            int n = (int) Math.min(written, ring.length);
            byte[] out = new byte[n];
            for (int i = 0; i < n; i++) {
                out[i] = ring[(int) ((written - n + i) % ring.length)];
            }
            return new String(out, StandardCharsets.UTF_8);
        }
    }
}
