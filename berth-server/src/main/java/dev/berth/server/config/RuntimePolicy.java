package dev.berth.server.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Limits of runtime deploys (AgentCore's by default) and how agents are watched.
 *
 * @param maxZipBytes largest project zip accepted
 * @param maxZipUnpackedBytes most a zip may unpack to
 * @param maxImageBytes largest image, counting its compressed layers
 * @param maxImageUnpackedBytes most an image's layers may unpack to
 * @param pingInterval how often a running agent's {@code /ping} is asked
 * @param unhealthyAfter failed pings in a row after which an agent is unhealthy (and restarted, per policy)
 * @param startTimeout how long an agent may take to answer its first ping
 * @param restart when an agent is restarted
 * @param registryAuth docker's {@code config.json} holding registry logins; null for docker's own
 *     place ({@code $DOCKER_CONFIG/config.json}, else {@code ~/.docker/config.json})
 */
public record RuntimePolicy(long maxZipBytes, long maxZipUnpackedBytes, long maxImageBytes, long maxImageUnpackedBytes,
        Duration pingInterval, int unhealthyAfter, Duration startTimeout, Restart restart, Path registryAuth) {
    public enum Restart {
        /** Whenever it exits or turns unhealthy. */
        ALWAYS,
        /** When it exits with a failure or turns unhealthy; a clean exit (0) is left alone. */
        ON_FAILURE,
        /** Never: an exited or unhealthy agent is only reported. */
        NEVER
    }

    public static final RuntimePolicy DEFAULTS = new RuntimePolicy(250_000_000L, 750_000_000L, 2_000_000_000L,
            8_000_000_000L, Duration.ofSeconds(2), 3, Duration.ofSeconds(60), Restart.ON_FAILURE, null);

    public RuntimePolicy {
        if (maxZipBytes <= 0 || maxZipUnpackedBytes <= 0 || maxImageBytes <= 0 || maxImageUnpackedBytes <= 0
                || pingInterval.isNegative() || pingInterval.isZero() || unhealthyAfter < 1) {
            throw new IllegalArgumentException("runtime limits must be positive");
        }
    }

    public RuntimePolicy withPingInterval(Duration every) {
        return new RuntimePolicy(maxZipBytes, maxZipUnpackedBytes, maxImageBytes, maxImageUnpackedBytes, every,
                unhealthyAfter, startTimeout, restart, registryAuth);
    }

    /** Largest zip upload and image; the unpacked limits keep AgentCore's ratio (3× a zip, 4× an image). */
    public RuntimePolicy withSizes(long zipBytes, long imageBytes) {
        return new RuntimePolicy(zipBytes, zipBytes * 3, imageBytes, imageBytes * 4, pingInterval, unhealthyAfter,
                startTimeout, restart, registryAuth);
    }

    public RuntimePolicy withRestart(Restart r) {
        return new RuntimePolicy(maxZipBytes, maxZipUnpackedBytes, maxImageBytes, maxImageUnpackedBytes, pingInterval,
                unhealthyAfter, startTimeout, r, registryAuth);
    }

    public RuntimePolicy withRegistryAuth(Path configJson) {
        return new RuntimePolicy(maxZipBytes, maxZipUnpackedBytes, maxImageBytes, maxImageUnpackedBytes, pingInterval,
                unhealthyAfter, startTimeout, restart, configJson);
    }

    /** The docker config file registry logins are read from. */
    public Path registryAuthFile() {
        if (registryAuth != null) {
            return registryAuth;
        }
        String dir = System.getenv("DOCKER_CONFIG");
        return (dir != null && !dir.isBlank() ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".docker"))
                .resolve("config.json");
    }
}
