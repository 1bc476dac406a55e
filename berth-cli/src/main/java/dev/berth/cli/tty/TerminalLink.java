package dev.berth.cli.tty;

import dev.berth.api.client.BerthClient;
import dev.berth.api.client.TerminalChannel;
import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.ExitStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The client's end of a remote terminal, across as many connections as it takes: output copied to
 * {@code screen} from the offset it holds (so after a reconnect nothing is lost or repeated),
 * typing kept until the server acknowledges it (so after a reconnect it is sent once, in order), a
 * dead connection found by its silence, and one status line on the terminal while it is down.
 */
final class TerminalLink {
    /** The client pings this often; the server answers at once... */
    static final Duration PING_EVERY = Duration.ofSeconds(1);
    /** ...so a connection that carried nothing for this long is dead, whatever TCP thinks. */
    static final Duration SILENCE_LIMIT = Duration.ofSeconds(4);
    /** A reconnect that takes longer (a black hole, a server still starting) is given up and tried again. */
    private static final Duration CONNECT_LIMIT = Duration.ofSeconds(3);
    private static final long MAX_BACKOFF_MS = 500;
    /** Refusals that no retry can change. */
    private static final Set<ErrorCode> FATAL = Set.of(ErrorCode.UNAUTHORIZED, ErrorCode.SESSION_NOT_FOUND,
            ErrorCode.SESSION_EXPIRED, ErrorCode.COMMAND_NOT_FOUND, ErrorCode.NO_TERMINAL, ErrorCode.INVALID_FIELD);

    private final BerthClient client;
    private final String session;
    private final String commandId;
    private final OutputStream screen;
    private final PrintStream notices;
    /** Names this client to the server on every connection: its typing is counted under it. */
    private final String clientId = UUID.randomUUID().toString();
    private final CompletableFuture<Integer> done = new CompletableFuture<>();

    private final Object typing = new Object();
    /** Typed, not yet acknowledged: sent again on a new connection from where the server's count ends. */
    private final Deque<byte[]> unacked = new ArrayDeque<>();
    private long typedTotal;
    private long unackedBytes;
    /** Our count of typed bytes where the server's count is 0 (it starts again if the server restarts). */
    private long serverBase;
    private volatile TerminalChannel live;
    /** The highest input count the server acknowledged on this connection (set by its socket thread). */
    private final java.util.concurrent.atomic.AtomicLong ackedByServer = new java.util.concurrent.atomic.AtomicLong();
    private volatile Outage outage;
    /** Output was trimmed before this connection could take input: repaint once it can. */
    private volatile boolean redrawPending;
    private volatile int rows;
    private volatile int cols;

    /** The next output byte this client wants (written by the socket's thread, read on reconnect). */
    private volatile long offset;

    TerminalLink(BerthClient client, String session, String commandId, OutputStream screen, PrintStream notices) {
        this.client = client;
        this.session = session;
        this.commandId = commandId;
        this.screen = screen;
        this.notices = notices;
    }

    /** Whether the program ended or the user left. */
    CompletableFuture<Integer> done() {
        return done;
    }

    /** Ends the link, for a detach: the program runs on. */
    void stop(int status) {
        done.complete(status);
    }

    /** Types {@code bytes} after everything typed before, now if connected, else once reconnected. */
    void type(byte[] bytes) {
        synchronized (typing) {
            acked(ackedByServer.get());
            unacked.addLast(bytes);
            typedTotal += bytes.length;
            unackedBytes += bytes.length;
            if (live != null) {
                try {
                    live.input(bytes);
                } catch (UncheckedIOException e) {
                    live = null; // kept in unacked: the next connection sends it
                }
            }
        }
    }

    void resize(int rows, int cols) {
        synchronized (typing) {
            this.rows = rows;
            this.cols = cols;
            if (live != null) {
                try {
                    live.resize(rows, cols);
                } catch (UncheckedIOException e) {
                    live = null; // the next connection sends the size it has then
                }
            }
        }
    }

    /** Connects, and reconnects, until the program exits or {@link #stop}; returns the exit status. */
    int run(long fromOffset) throws InterruptedException {
        offset = fromOffset;
        for (int attempt = 1; !done.isDone(); attempt++) {
            Ended ended;
            try {
                ended = connectAndServe();
            } catch (ApiException e) {
                if (FATAL.contains(e.code())) {
                    notices.println("berth: " + e.getMessage());
                    done.complete(125);
                    break;
                }
                ended = new Ended(false, e.getMessage());
            } catch (UncheckedIOException e) {
                ended = new Ended(false, e.getCause().getMessage());
            }
            if (done.isDone()) {
                break;
            }
            if (ended.wasUp()) {
                attempt = 1; // a new outage: its backoff starts afresh
            }
            if (outage == null) {
                outage = new Outage(ended.why());
            }
            outage.show(attempt);
            Thread.sleep(Math.min(MAX_BACKOFF_MS, 25L << Math.min(attempt, 5))); // retry pacing
        }
        if (outage != null) {
            notices.print("\r\033[K");
        }
        notices.flush();
        return done.join();
    }

    /** How a connection ended: whether it had been up, and why it ended. */
    private record Ended(boolean wasUp, String why) {}

    /** Serves one connection until it ends, unless the program exits first. */
    private Ended connectAndServe() throws InterruptedException {
        Connection c = new Connection();
        TerminalChannel ch = client.openTerminal(session, commandId, offset, clientId, (int) PING_EVERY.toSeconds(), c);
        boolean up = false;
        try {
            if (!c.hello.await(CONNECT_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
                return new Ended(false, "no word from the server");
            }
            synchronized (typing) {
                long deliveredUpTo = typedTotal - unackedBytes;
                if (c.inputAccepted + serverBase < deliveredUpTo) {
                    serverBase = deliveredUpTo - c.inputAccepted; // it forgot our count (restarted): count from here
                }
                ackedByServer.set(c.inputAccepted); // counts of the last connection are superseded
                acked(c.inputAccepted);
                for (byte[] b : unacked) {
                    ch.input(b); // what the last connection did not deliver, in order, once
                }
                if (rows > 0 && cols > 0) {
                    ch.resize(rows, cols); // it may have changed while away
                }
                live = ch;
            }
            up = true;
            if (redrawPending) {
                redrawPending = false;
                redraw();
            }
            while (!done.isDone() && !c.ended.await(PING_EVERY.toMillis(), TimeUnit.MILLISECONDS)) {
                // a terminal that is slow to take output holds up reading (so no frame is "heard"): not a dead link
                boolean screenBusy = c.writing || System.nanoTime() - c.wroteAt < SILENCE_LIMIT.toNanos();
                if (ch.quietNanos() > SILENCE_LIMIT.toNanos() && !screenBusy) {
                    return new Ended(true, "no word from the server for " + SILENCE_LIMIT.toSeconds() + " s");
                }
                ch.ping();
                acked(ackedByServer.get());
            }
            return new Ended(true, c.why);
        } catch (UncheckedIOException e) {
            return new Ended(up, e.getCause().getMessage());
        } finally {
            synchronized (typing) {
                if (live == ch) {
                    live = null;
                }
            }
            if (done.isDone()) {
                ch.close();
            } else {
                ch.abort();
            }
        }
    }

    /** The server's count of our input (since {@link #serverBase}) reached {@code total}: let that go. */
    private void acked(long total) {
        synchronized (typing) {
            long absolute = total + serverBase;
            long unackedFrom = typedTotal - unackedBytes;
            while (!unacked.isEmpty() && unackedFrom + unacked.peekFirst().length <= absolute) {
                byte[] b = unacked.removeFirst();
                unackedFrom += b.length;
                unackedBytes -= b.length;
            }
            if (!unacked.isEmpty() && absolute > unackedFrom) { // a frame split across the count
                byte[] head = unacked.removeFirst();
                int cut = (int) (absolute - unackedFrom);
                unacked.addFirst(java.util.Arrays.copyOfRange(head, cut, head.length));
                unackedBytes -= cut;
            }
        }
    }

    /** A status line cut to the terminal's width: a line that wraps cannot be rewritten in place. */
    private String fitted(String line) {
        int width = cols; // no lock: the socket's thread calls this (see acked)
        return width > 1 && line.length() >= width ? line.substring(0, width - 2) + "…" : line;
    }

    /** The one status line a connection outage gets: written when it starts, rewritten in place, closed when over. */
    private final class Outage {
        private final long since = System.nanoTime();
        private final String why;
        private boolean shown;

        Outage(String why) {
            this.why = why;
        }

        void show(int attempt) {
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - since);
            String line = "berth: connection lost (" + why + "); reconnecting"
                    + (attempt > 1 ? " (" + seconds + " s, try " + attempt + ")" : "") + "…";
            notices.print((shown ? "\r\033[K" : "\r\n") + fitted(line));
            notices.flush();
            shown = true;
        }

        void end() {
            double seconds = (System.nanoTime() - since) / 1e9;
            notices.print("\r\033[K" + fitted(String.format("berth: reconnected after %.1f s", seconds)) + "\n");
            notices.flush();
        }
    }

    /** One connection's listener: output to the screen, acks to the outbox, the end to the loop. */
    private final class Connection implements TerminalChannel.Listener {
        final CountDownLatch hello = new CountDownLatch(1);
        final CountDownLatch ended = new CountDownLatch(1);
        volatile long inputAccepted;
        volatile String why = "the connection closed";
        /** Whether (and when last) output was being written to the local terminal. */
        volatile boolean writing;
        volatile long wroteAt;

        @Override
        public void hello(long at, long accepted) {
            inputAccepted = accepted;
            // before this connection's first output (it comes after this returns): the status line must end
            // where it is, not after bytes printed behind it
            Outage o = outage;
            if (o != null) {
                o.end();
                outage = null;
            }
            hello.countDown();
        }

        @Override
        public void output(long at, ByteBuffer data) {
            long have = offset;
            long skip = have - at;
            if (skip >= data.remaining()) {
                return; // already shown
            }
            if (skip > 0) {
                data.position(data.position() + (int) skip);
            }
            writing = true;
            try {
                screen.write(data.array(), data.arrayOffset() + data.position(), data.remaining());
                screen.flush();
            } catch (IOException e) {
                done.complete(0); // the local terminal is gone: the program runs on, as after a detach
                return;
            } finally {
                writing = false;
                wroteAt = System.nanoTime();
            }
            offset = Math.max(have, at) + data.remaining();
        }

        @Override
        public void acked(long total) {
            // on the socket's own thread, which must never wait for the typing lock (a typist holding it may be
            // waiting for that very thread to send): noted here, applied by the next typing or ping
            ackedByServer.accumulateAndGet(total, Math::max);
        }

        @Override
        public void trimmed(long from, long to) {
            if (to > offset) {
                notices.println("\nberth: " + (to - Math.max(from, offset)) + " bytes of output were trimmed from the"
                        + " server's buffer before they reached this terminal; redrawing");
                offset = to;
                redraw();
            }
        }

        @Override
        public void exited(ExitStatus status, long endOffset) {
            done.complete(status.shellStatus());
            ended.countDown();
        }

        @Override
        public void error(ErrorCode code, String message) {
            if (code != ErrorCode.COMMAND_FINISHED) { // typed after the end: the exit frame says the rest
                notices.println("berth: the server refused a frame: " + message);
            }
        }

        @Override
        public void closed(String reason) {
            why = reason;
            ended.countDown();
        }
    }

    /**
     * Makes a full-screen program repaint: two size changes (SIGWINCH), back to the real size. A
     * trim is reported as a connection starts, before it takes input: then it waits for it.
     */
    private void redraw() {
        if (live == null) { // no lock: this runs on the socket's thread (see acked)
            redrawPending = true; // for the connection loop, once it takes input...
            if (live == null) {
                return;
            }
            redrawPending = false; // ...unless it already does (and may have looked before we said so)
        }
        Thread.ofVirtual().start(() -> {
            int r;
            int c;
            synchronized (typing) {
                r = rows;
                c = cols;
            }
            if (r > 0 && c > 1) {
                resize(r, c - 1);
                resize(r, c);
            }
        });
    }
}
