package dev.berth.runtimes.image;

import java.util.Set;

/**
 * How an {@link ImageFetcher} pulls.
 *
 * @param maxImageBytes the config and layers together, as compressed: larger images are refused
 *     from their manifest, before any layer is downloaded
 * @param parallelDownloads layers fetched at once
 * @param insecureHosts registries ({@code HOST} or {@code HOST:PORT}) spoken to over plain HTTP;
 *     loopback addresses always are
 * @param platform the variant picked from a multi-platform image
 */
public record FetchOptions(long maxImageBytes, int parallelDownloads, Set<String> insecureHosts, Platform platform) {
    /** AgentCore's limit on a runtime's container image. */
    public static final long DEFAULT_MAX_IMAGE_BYTES = 2_000_000_000L;

    /** containers/image (skopeo, podman) fetches six layers at once too. */
    public static final FetchOptions DEFAULTS = new FetchOptions(DEFAULT_MAX_IMAGE_BYTES, 6, Set.of(), Platform.LINUX_AMD64);

    public FetchOptions {
        if (maxImageBytes < 1 || parallelDownloads < 1) {
            throw new IllegalArgumentException("maxImageBytes and parallelDownloads must be positive");
        }
        insecureHosts = Set.copyOf(insecureHosts);
    }

    public FetchOptions withMaxImageBytes(long max) {
        return new FetchOptions(max, parallelDownloads, insecureHosts, platform);
    }

    public FetchOptions withInsecureHosts(Set<String> hosts) {
        return new FetchOptions(maxImageBytes, parallelDownloads, hosts, platform);
    }

    /** Plain HTTP for loopback and the hosts named insecure; HTTPS for every other. */
    boolean plainHttp(String hostAndPort) {
        String host = hostAndPort;
        int colon = hostAndPort.lastIndexOf(':');
        if (colon > hostAndPort.lastIndexOf(']')) {
            host = hostAndPort.substring(0, colon);
        }
        return host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]")
                || insecureHosts.contains(hostAndPort) || insecureHosts.contains(host);
    }
}
