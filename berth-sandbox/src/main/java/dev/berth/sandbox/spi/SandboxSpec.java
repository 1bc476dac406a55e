package dev.berth.sandbox.spi;

import java.nio.file.Path;

/**
 * What a sandbox is made of.
 *
 * @param id the session id; also the sandbox's hostname
 * @param stateDir host directory the driver owns for this sandbox (sockets, logs); not visible inside
 * @param workspace host directory mounted read-write at {@code /mnt/workspace}
 * @param limits resource limits, fully resolved (no nulls)
 * @param root what {@code /} is made of
 * @param network what it reaches beyond its own loopback
 */
public record SandboxSpec(String id, Path stateDir, Path workspace, ResourceLimits limits, RootFs root,
        SandboxNetwork network) {
    public static final String WORKSPACE_MOUNT = "/mnt/workspace";

    public SandboxSpec {
        java.util.Objects.requireNonNull(network, "network");
    }

    /** No network beyond the sandbox's own loopback. */
    public SandboxSpec(String id, Path stateDir, Path workspace, ResourceLimits limits, RootFs root) {
        this(id, stateDir, workspace, limits, root, SandboxNetwork.none());
    }

    /** A plain session's sandbox: the host's system directories, read-only. */
    public SandboxSpec(String id, Path stateDir, Path workspace, ResourceLimits limits) {
        this(id, stateDir, workspace, limits, RootFs.host());
    }
}
