package dev.berth.sandbox.spi;

import java.util.Optional;
import java.util.Set;

/**
 * Makes isolated sandboxes. One contract, many drivers: every implementation passes the contract
 * suite in this module's test jar ({@code SandboxDriverContract}).
 */
public interface SandboxDriver {

    /** Short name used in configuration and logs, e.g. {@code namespaces}. */
    String name();

    /** Why this driver cannot run on this machine (e.g. "needs root"), or empty when it can. */
    Optional<String> unavailableReason();

    /** The host ids an image root must be owned by (see {@link RootFs#image}). */
    IdRange imageIds();

    /** Starts a sandbox; returns once it accepts commands. */
    Sandbox start(SandboxSpec spec);

    /**
     * Re-attaches to a sandbox started earlier, possibly by another server process (the sandbox
     * outlives the server). Empty when it is no longer running.
     */
    Optional<Sandbox> adopt(SandboxSpec spec);

    /**
     * A command started earlier in this sandbox (also by a previous server process), readable
     * whether or not the sandbox still runs.
     *
     * @throws SandboxException of kind COMMAND_NOT_FOUND when there is no such command
     */
    RunningCommand command(SandboxSpec spec, String commandId);

    /** Removes whatever {@link #start} left on the host for a sandbox that is no longer running. */
    void cleanUp(SandboxSpec spec);

    /**
     * Ids of every sandbox of this server that leaves a trace on the host (running, or remains of a
     * dead one), so that start-up can remove those no session owns.
     */
    Set<String> sandboxIds();
}
