package dev.berth.server.audit.otlp;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Where and how {@link OtlpExporter} ships audit events.
 *
 * @param endpoint      the full OTLP/HTTP logs URL, e.g. {@code http://127.0.0.1:4318/v1/logs}
 * @param headers       sent with every request (e.g. {@code Authorization}); names the JDK client
 *                      reserves ({@code Host}, {@code Content-Length}, …) are refused by the exporter
 * @param batchSize     events per request at most; a full batch is sent at once
 * @param flushInterval how long a partial batch waits for company after its first event was seen
 * @param maxBackoff    the ceiling of the exponential wait between retries of a failed batch
 * @param serviceName   the resource's {@code service.name}
 * @param timeout       for connecting and for the whole request; a request that exceeds it is retried
 */
public record OtlpConfig(URI endpoint, Map<String, String> headers, int batchSize, Duration flushInterval,
        Duration maxBackoff, String serviceName, Duration timeout) {

    public static final int DEFAULT_BATCH_SIZE = 512;
    public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(30);
    public static final String DEFAULT_SERVICE_NAME = "berth";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    public OtlpConfig {
        Objects.requireNonNull(endpoint, "endpoint");
        String scheme = endpoint.getScheme();
        if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme) || endpoint.getHost() == null) {
            throw new IllegalArgumentException("the OTLP endpoint must be an http(s) URL with a host: " + endpoint);
        }
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1: " + batchSize);
        }
        requirePositive(flushInterval, "flushInterval", true);
        requirePositive(maxBackoff, "maxBackoff", false);
        requirePositive(timeout, "timeout", false);
        if (serviceName == null || serviceName.isBlank()) {
            throw new IllegalArgumentException("serviceName must not be blank");
        }
    }

    /** Without a timeout of its own: {@link #DEFAULT_TIMEOUT}. */
    public OtlpConfig(URI endpoint, Map<String, String> headers, int batchSize, Duration flushInterval,
            Duration maxBackoff, String serviceName) {
        this(endpoint, headers, batchSize, flushInterval, maxBackoff, serviceName, DEFAULT_TIMEOUT);
    }

    /** The defaults for everything but the endpoint. */
    public static OtlpConfig of(URI endpoint) {
        return new OtlpConfig(endpoint, Map.of(), DEFAULT_BATCH_SIZE, DEFAULT_FLUSH_INTERVAL, DEFAULT_MAX_BACKOFF,
                DEFAULT_SERVICE_NAME, DEFAULT_TIMEOUT);
    }

    private static void requirePositive(Duration d, String name, boolean zeroAllowed) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || !zeroAllowed && d.isZero()) {
            throw new IllegalArgumentException(name + " must be " + (zeroAllowed ? "0 or more" : "positive") + ": " + d);
        }
    }
}
