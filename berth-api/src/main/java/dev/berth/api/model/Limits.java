package dev.berth.api.model;

/**
 * Resource limits of a session. A null field means "the server's default".
 *
 * @param memoryBytes memory (RAM + tmpfs) the session's processes may use
 * @param cpus CPU bandwidth in cores, e.g. 0.5 or 2
 * @param pids maximum number of processes and threads
 * @param diskBytes size of the workspace's own file system: writing past it fails with ENOSPC in
 *     this session only; 0 asks for no quota
 */
public record Limits(Long memoryBytes, Double cpus, Integer pids, Long diskBytes) {
    public static final Limits NONE = new Limits(null, null, null, null);

    /** This limit with every null field taken from {@code defaults}. */
    public Limits orElse(Limits defaults) {
        return new Limits(
                memoryBytes != null ? memoryBytes : defaults.memoryBytes,
                cpus != null ? cpus : defaults.cpus,
                pids != null ? pids : defaults.pids,
                diskBytes != null ? diskBytes : defaults.diskBytes);
    }
}
