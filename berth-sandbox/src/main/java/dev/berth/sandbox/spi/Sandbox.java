package dev.berth.sandbox.spi;

/** A running sandbox: the isolation boundary of one session. */
public interface Sandbox {

    String id();

    /** Starts a command; returns once it is running (or failed to start). */
    RunningCommand spawn(CommandSpec spec);

    /**
     * A unix socket on the host whose every connection reaches TCP {@code port} on the sandbox's own
     * loopback (a connection is closed at once if nothing listens there). The sandbox gets no route
     * to the host by it; the socket lasts as long as the sandbox.
     */
    java.nio.file.Path forwardPort(int port);

    /** Whether the sandbox still runs (its supervisor answers). */
    boolean isAlive();

    /** Resident memory of everything the host keeps for this sandbox, in bytes (supervisor + init + processes). */
    long memoryUsageBytes();

    /**
     * Freezes every process in the sandbox (they stop running, and notice nothing but the lost time)
     * until the returned handle is closed; for a consistent copy of a workspace that is a plain
     * directory.
     *
     * @throws SandboxException of kind UNAVAILABLE when this sandbox cannot be frozen
     */
    default Paused pause() {
        throw new SandboxException(SandboxException.Kind.UNAVAILABLE, "this sandbox cannot be paused");
    }

    /** A paused sandbox; closing lets its processes run again. */
    @FunctionalInterface
    interface Paused extends AutoCloseable {
        @Override
        void close();
    }

    /** Kills every process in the sandbox and frees its host resources. The workspace is kept. */
    void destroy();
}
