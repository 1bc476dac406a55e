package dev.berth.runtimes.image;

import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;

/**
 * Fetches an image into a {@link BlobStore}: from a registry, an OCI layout directory or a
 * {@code docker save} archive, resolving a multi-platform image to the configured platform and
 * verifying every manifest, config and layer against its digest and size. Blobs already in the
 * store are not fetched again. Thread-safe; one fetcher (one HTTP client, one token cache) serves
 * many pulls.
 */
public final class ImageFetcher implements AutoCloseable {
    static {
        // The JDK's HTTP client reads sockets 16 KiB at a time; 256 KiB took a cold 200 MB pull from
        // a loopback registry from ~2.3 s to ~1.4 s here. It is read once, when the client's classes
        // load: an operator's -D wins, and a JVM that used HttpClient before keeps its 16 KiB.
        if (System.getProperty("jdk.httpclient.bufsize") == null) {
            System.setProperty("jdk.httpclient.bufsize", Integer.toString(256 << 10));
        }
    }

    private final FetchOptions options;
    private final HttpClient http;
    private final TokenCache tokens = new TokenCache(Clock.systemUTC());
    private final Puller puller;

    public ImageFetcher() {
        this(FetchOptions.DEFAULTS);
    }

    public ImageFetcher(FetchOptions options) {
        this.options = options;
        this.puller = new Puller(options);
        // HTTP/1.1: parallel layers then get a connection each, not one HTTP/2 connection's shared window
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    /**
     * Fetches the image {@code ref} names into {@code store}, logging in with {@code credentials}
     * where a registry asks.
     *
     * @throws ImageException when the image is refused or cannot be fetched; its kind says why
     * @throws IOException when the store cannot be written
     */
    public PulledImage fetch(ImageRef ref, BlobStore store, Credentials credentials) throws ImageException, IOException {
        ManifestSource source = switch (ref) {
            case ImageRef.Registry r -> new RegistrySource(r, new RegistryClient(http, tokens, options, r, credentials));
            case ImageRef.OciLayout l -> new OciLayoutSource(l);
            case ImageRef.DockerArchive a -> new DockerArchiveSource(a);
        };
        return puller.pull(source, store);
    }

    @Override
    public void close() {
        http.close();
    }
}
