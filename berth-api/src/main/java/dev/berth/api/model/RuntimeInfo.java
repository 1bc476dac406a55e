package dev.berth.api.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One deployed version of a runtime.
 *
 * @param kind {@code image}, {@code zip} or {@code harness}
 * @param source what it was deployed from
 * @param digest the image manifest's or the zip's digest
 * @param entrypoint the agent process's argv
 * @param sizeBytes bytes of its unpacked root filesystem (shared with versions of the same content)
 * @param sessions sessions made from this version that still exist
 * @param harness the harness it runs turn by turn (its entrypoint is then empty); absent for agent runtimes
 */
public record RuntimeInfo(String name, int version, Instant createdAt, String kind, String source, String digest,
        List<String> entrypoint, Map<String, String> env, String workingDir, int port, long sizeBytes, int sessions,
        HarnessInfo harness) {}
