package dev.berth.sandbox.spi;

import java.nio.file.Path;

/**
 * What a sandbox is made of.
 *
 * @param id the session id; also the sandbox's hostname
 * @param stateDir host directory the driver owns for this sandbox (sockets, logs); not visible inside
 * @param workspace host directory mounted read-write at {@code /mnt/workspace}
 * @param limits resource limits, fully resolved (no nulls)
 */
public record SandboxSpec(String id, Path stateDir, Path workspace, ResourceLimits limits) {
    public static final String WORKSPACE_MOUNT = "/mnt/workspace";
}
