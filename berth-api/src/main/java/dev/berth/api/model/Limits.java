package dev.berth.api.model;

/**
 * Resource limits of a session's sandbox. A null field means "the server's default".
 *
 * @param memoryBytes memory (RAM + tmpfs) the session's processes may use
 * @param cpus CPU bandwidth in cores, e.g. 0.5 or 2
 * @param pids maximum number of processes and threads
 */
public record Limits(Long memoryBytes, Double cpus, Integer pids) {
    public static final Limits NONE = new Limits(null, null, null);

    /** This limit with every null field taken from {@code defaults}. */
    public Limits orElse(Limits defaults) {
        return new Limits(
                memoryBytes != null ? memoryBytes : defaults.memoryBytes,
                cpus != null ? cpus : defaults.cpus,
                pids != null ? pids : defaults.pids);
    }
}
