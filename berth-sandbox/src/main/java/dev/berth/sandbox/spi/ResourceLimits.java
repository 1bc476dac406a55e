package dev.berth.sandbox.spi;

/**
 * Resolved limits of a sandbox.
 *
 * @param memoryBytes memory for all its processes (and its tmpfs files)
 * @param cpuMillis CPU bandwidth in thousandths of a core (1000 = one core); 0 = unlimited
 * @param pids maximum number of processes and threads
 */
public record ResourceLimits(long memoryBytes, long cpuMillis, int pids) {
    public ResourceLimits {
        if (memoryBytes <= 0 || cpuMillis < 0 || pids <= 0) {
            throw new IllegalArgumentException("limits must be positive: " + memoryBytes + ", " + cpuMillis + ", " + pids);
        }
    }
}
