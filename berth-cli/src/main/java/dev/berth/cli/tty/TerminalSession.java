package dev.berth.cli.tty;

import dev.berth.api.client.BerthClient;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;

/**
 * The local end of {@code berth exec --it}: the user's terminal in raw mode, its keystrokes typed
 * on the remote terminal, the remote output copied back byte for byte, its size followed, and the
 * terminal restored on every way out. The connection itself, and surviving its loss, is
 * {@link TerminalLink}'s. The detach key leaves the remote program running.
 */
public final class TerminalSession {
    private final BerthClient client;
    private final String session;
    private final String commandId;
    private final int detachKey;

    /** @param detachKey the byte that detaches, or -1 for none */
    public TerminalSession(BerthClient client, String session, String commandId, int detachKey) {
        this.client = client;
        this.session = session;
        this.commandId = commandId;
        this.detachKey = detachKey;
    }

    /** Runs until the remote command exits (its status) or the user detaches (0). */
    public int run(Terminal terminal, long fromOffset) throws InterruptedException {
        AtomicBoolean over = new AtomicBoolean();
        TerminalLink link = new TerminalLink(client, session, commandId, new FileOutputStream(FileDescriptor.out),
                notices(over));
        link.done().whenComplete((status, e) -> over.set(true));
        Attributes saved = terminal.enterRawMode();
        Attributes raw = terminal.getAttributes();
        raw.setOutputFlag(Attributes.OutputFlag.OPOST, false); // the remote terminal already did the output processing
        terminal.setAttributes(raw);
        Thread restoreOnKill = new Thread(() -> terminal.setAttributes(saved), "berth-restore-terminal");
        Runtime.getRuntime().addShutdownHook(restoreOnKill);
        try {
            terminal.handle(Terminal.Signal.WINCH, s -> size(terminal, link));
            size(terminal, link);
            // fd 0 itself, not JLine's input(): its pump thread would hold the terminal's close until a key came
            Thread keys = Thread.ofPlatform().daemon().name("berth-tty-keys")
                    .start(() -> readKeys(new java.io.FileInputStream(FileDescriptor.in), link));
            int status = link.run(fromOffset);
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

    /**
     * {@code exec -t}: a terminal program's output, nothing typed, through every reconnect; returns
     * its exit status.
     */
    public static int follow(BerthClient client, String session, String commandId, long fromOffset, PrintStream notices)
            throws InterruptedException {
        return new TerminalLink(client, session, commandId, new FileOutputStream(FileDescriptor.out), notices)
                .run(fromOffset);
    }

    /** Berth's own lines on this terminal; quiet once it is over (its streams are cut on purpose then). */
    private static PrintStream notices(AtomicBoolean over) {
        OutputStream gated = new FilterOutputStream(new FileOutputStream(FileDescriptor.err)) {
            @Override
            public void write(int b) throws IOException {
                if (!over.get()) {
                    out.write(b);
                }
            }
        };
        return new PrintStream(new CrLf(gated), true, StandardCharsets.UTF_8);
    }

    private void readKeys(InputStream in, TerminalLink link) {
        byte[] buf = new byte[16 << 10];
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                int cut = indexOf(buf, n, detachKey);
                if (cut >= 0) {
                    if (cut > 0) {
                        link.type(java.util.Arrays.copyOf(buf, cut));
                    }
                    System.err.print("\r\nberth: detached; the program goes on. Back with: berth exec --it " + session
                            + " --tty " + commandId + "\r\n");
                    System.err.flush();
                    link.stop(0);
                    return;
                }
                link.type(java.util.Arrays.copyOf(buf, n));
            }
        } catch (IOException e) {
            // the local terminal went away: the remote program goes on, as after a detach
        }
        link.stop(0);
    }

    private static void size(Terminal terminal, TerminalLink link) {
        var size = terminal.getSize();
        if (size.getRows() > 0 && size.getColumns() > 0) {
            link.resize(size.getRows(), size.getColumns());
        }
    }

    private static int indexOf(byte[] b, int n, int value) {
        if (value < 0) {
            return -1;
        }
        for (int i = 0; i < n; i++) {
            if ((b[i] & 0xff) == value) {
                return i;
            }
        }
        return -1;
    }
}
