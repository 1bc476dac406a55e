package dev.berth.cli.tty;

import dev.berth.api.client.BerthClient;
import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.stream.StreamFrame;
import dev.berth.cli.output.StreamPrinter;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;

/**
 * The local end of {@code berth exec --it}: the user's terminal in raw mode, its keystrokes typed
 * on the remote terminal in order, the remote output copied back byte for byte (re-attached by
 * offset after a dropped connection), its size followed, and the terminal restored on every way
 * out. The detach key leaves the remote program running.
 */
public final class TerminalSession {
    /** Ctrl+], as telnet and docker have it. */
    public static final int DEFAULT_DETACH_KEY = 0x1d;
    /** A quiet terminal's stream still carries a frame this often... */
    public static final int HEARTBEAT_SECONDS = 2;
    /** ...so a connection that carried nothing for this long is dead, whatever TCP thinks. */
    public static final Duration SILENCE_LIMIT = Duration.ofSeconds(5);

    private final BerthClient client;
    private final String session;
    private final String commandId;
    private final int detachKey;
    private final CompletableFuture<Integer> done = new CompletableFuture<>();
    /** Berth's own lines on this terminal; quiet once the session is over (its streams are cut on purpose then). */
    private final PrintStream notices = new PrintStream(new CrLf(new java.io.FilterOutputStream(System.err) {
        @Override
        public void write(int b) throws IOException {
            if (!done.isDone()) {
                out.write(b);
            }
        }
    }), true, StandardCharsets.UTF_8);
    /** Keystrokes not yet accepted by the server; sent in order, retried while the connection is down. */
    private final BlockingQueue<byte[]> typed = new LinkedBlockingQueue<>();

    public TerminalSession(BerthClient client, String session, String commandId, int detachKey) {
        this.client = client;
        this.session = session;
        this.commandId = commandId;
        this.detachKey = detachKey;
    }

    /** Runs until the remote command exits (its status) or the user detaches (0). */
    public int run(Terminal terminal, long fromOffset) throws InterruptedException {
        Attributes saved = terminal.enterRawMode();
        Attributes raw = terminal.getAttributes();
        raw.setOutputFlag(Attributes.OutputFlag.OPOST, false); // the remote terminal already did the output processing
        terminal.setAttributes(raw);
        Thread restoreOnKill = new Thread(() -> terminal.setAttributes(saved), "berth-restore-terminal");
        Runtime.getRuntime().addShutdownHook(restoreOnKill);
        try {
            terminal.handle(Terminal.Signal.WINCH, s -> Thread.ofVirtual().start(() -> resize(terminal)));
            resize(terminal); // it may have changed between creating the command and now
            Thread.ofVirtual().name("berth-tty-output").start(() -> copyOutput(fromOffset));
            Thread.ofVirtual().name("berth-tty-input").start(this::sendTyped);
            // fd 0 itself, not JLine's input(): its pump thread would hold the terminal's close until a key came
            Thread keys = Thread.ofPlatform().daemon().name("berth-tty-keys")
                    .start(() -> readKeys(new java.io.FileInputStream(java.io.FileDescriptor.in)));
            int status = done.join();
            keys.interrupt();
            return status;
        } finally {
            terminal.setAttributes(saved);
            terminal.flush();
            try {
                Runtime.getRuntime().removeShutdownHook(restoreOnKill);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
    }

    private void copyOutput(long fromOffset) {
        try {
            done.complete(follow(client, session, commandId, fromOffset, notices));
        } catch (RuntimeException | InterruptedException e) {
            notices.println("berth: " + e.getMessage());
            done.complete(125);
        }
    }

    /**
     * Prints a terminal program's output from {@code fromOffset} until it exits, with heartbeats
     * asked for and a silent stream taken for dead; returns its exit status.
     */
    public static int follow(BerthClient client, String session, String commandId, long fromOffset, PrintStream notices)
            throws InterruptedException {
        StreamPrinter printer = new StreamPrinter(notices, fromOffset, SILENCE_LIMIT);
        StreamFrame.Exit exit = printer.print(client.output(session, commandId, fromOffset, HEARTBEAT_SECONDS), client,
                session, offset -> client.output(session, commandId, offset, HEARTBEAT_SECONDS));
        return exit.status().shellStatus();
    }

    private void readKeys(InputStream in) {
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                int cut = indexOf(buf, n, detachKey);
                if (cut >= 0) {
                    if (cut > 0) {
                        typed.add(java.util.Arrays.copyOf(buf, cut));
                    }
                    notices.println("\nberth: detached; the program goes on. Back with: berth exec --it " + session
                            + " --tty " + commandId);
                    notices.flush();
                    done.complete(0);
                    return;
                }
                typed.add(java.util.Arrays.copyOf(buf, n));
            }
        } catch (IOException e) {
            // the local terminal went away: the remote program goes on, as after a detach
        }
        done.complete(0);
    }

    /** Sends keystrokes in order, several at once when they queued up (a paste, a slow link). */
    private void sendTyped() {
        int failures = 0;
        byte[] pending = null;
        while (!done.isDone()) {
            try {
                if (pending == null) {
                    pending = typed.take();
                    for (byte[] more; pending.length < (64 << 10) && (more = typed.poll()) != null; ) {
                        pending = concat(pending, more);
                    }
                }
                client.input(session, commandId, pending);
                pending = null;
                failures = 0;
            } catch (InterruptedException e) {
                return;
            } catch (ApiException e) {
                if (e.code() == ErrorCode.COMMAND_FINISHED || e.code() == ErrorCode.COMMAND_NOT_FOUND) {
                    return; // the output side reports the exit
                }
                if (e.code() != ErrorCode.INPUT_BACKLOG) {
                    notices.println("berth: typing failed: " + e.getMessage());
                    pending = null; // refused for good: said, not silently dropped
                }
                backOff(++failures);
            } catch (UncheckedIOException | IllegalStateException e) {
                backOff(++failures); // connection down: the same bytes again, nothing reordered
            }
        }
    }

    private void resize(Terminal terminal) {
        try {
            var size = terminal.getSize();
            if (size.getRows() > 0 && size.getColumns() > 0) {
                client.resize(session, commandId, size.getRows(), size.getColumns());
            }
        } catch (RuntimeException e) {
            // a size lost to a dropped connection comes again with the next change
        }
    }

    private static void backOff(int failures) {
        try {
            Thread.sleep(Math.min(1000, 50L * failures)); // retry pacing, not synchronisation
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int indexOf(byte[] b, int n, int value) {
        for (int i = 0; i < n; i++) {
            if ((b[i] & 0xff) == value) {
                return i;
            }
        }
        return -1;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
