package dev.berth.runtimes.image;

import static dev.berth.runtimes.image.StoreAssertions.isSampleRootfs;
import static dev.berth.runtimes.image.StoreAssertions.onlyVerifiedBlobs;
import static dev.berth.runtimes.image.StoreAssertions.unpack;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.berth.runtimes.image.ImageException.Kind;
import dev.berth.runtimes.image.TestImage.Blob;
import dev.berth.runtimes.image.TestImage.Image;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a broken or hostile registry does, which a real one will not: each refused as it should be. */
class FakeRegistryTest {
    private static final String REPO = "berth/sample";

    @TempDir
    Path dir;

    private FakeRegistry registry;
    private BlobStore store;
    private ImageFetcher fetcher;
    private Image sample;

    @BeforeEach
    void setUp() throws Exception {
        registry = new FakeRegistry();
        store = new BlobStore(dir.resolve("store"));
        fetcher = new ImageFetcher();
        sample = TestImage.sample();
        registry.put(REPO, "v1", sample);
    }

    @AfterEach
    void tearDown() {
        fetcher.close();
        registry.close();
    }

    private PulledImage fetch() throws Exception {
        return fetcher.fetch(ImageRef.parse(registry.ref(REPO, "v1")), store, Credentials.none());
    }

    private void assertRefused(Kind kind, String message) throws Exception {
        assertThatThrownBy(this::fetch)
                .isInstanceOfSatisfying(ImageException.class, e -> assertThat(e.kind()).as(e.getMessage()).isEqualTo(kind))
                .hasMessageContaining(message)
                .message().doesNotContain("\n");
        onlyVerifiedBlobs(store);
    }

    @Test
    void aSecondPullAsksOnlyForTheManifest() throws Exception {
        fetch();
        int before = registry.requests.size();
        assertThat(registry.blobRequests()).hasSize(4); // config and three layers

        PulledImage again = fetch();

        assertThat(registry.requests.subList(before, registry.requests.size()))
                .containsExactly("GET /v2/" + REPO + "/manifests/v1");
        assertThat(again.downloadedBytes()).isZero();
    }

    @Test
    void layersDownloadSeveralAtOnce() throws Exception {
        // each layer answers only once two layer requests are open together: a one-by-one pull fails
        CountDownLatch together = new CountDownLatch(2);
        for (Blob layer : sample.layers()) {
            registry.override(FakeRegistry.blobPath(REPO, layer), ex -> {
                together.countDown();
                try {
                    if (!together.await(10, TimeUnit.SECONDS)) {
                        ex.sendResponseHeaders(503, -1);
                        return;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                FakeRegistry.send(ex, layer);
            });
        }

        isSampleRootfs(unpack(fetch(), dir.resolve("rootfs")));
    }

    @Test
    void aBodyCutOffBeforeItsLengthIsTruncated() throws Exception {
        Blob layer = sample.layers().getFirst();
        registry.override(FakeRegistry.blobPath(REPO, layer), ex -> {
            ex.sendResponseHeaders(200, layer.size());
            ex.getResponseBody().write(Arrays.copyOf(layer.bytes(), (int) layer.size() / 2));
            ex.getResponseBody().flush(); // the headers and half the body on the wire, then the connection closes
        });

        assertRefused(Kind.TRUNCATED, "layer 1 of 3");
        assertThat(store.contains(layer.digest())).isFalse();
    }

    @Test
    void otherBytesThanTheDigestSaysAreADigestMismatch() throws Exception {
        Blob layer = sample.layers().get(2);
        byte[] other = layer.bytes().clone();
        other[other.length - 1] ^= 0x55;
        registry.override(FakeRegistry.blobPath(REPO, layer), ex -> FakeRegistry.send(ex, new Blob(layer.mediaType(), other)));

        assertRefused(Kind.DIGEST_MISMATCH, "layer 3 of 3");
    }

    @Test
    void aManifestWhoseDigestHeaderDisagreesIsRefused() throws Exception {
        registry.override("/v2/" + REPO + "/manifests/v1", ex -> {
            ex.getResponseHeaders().set("Docker-Content-Digest", "sha256:" + "0".repeat(64));
            ex.getResponseHeaders().set("Content-Type", MediaTypes.OCI_MANIFEST);
            ex.sendResponseHeaders(200, sample.manifest().size());
            ex.getResponseBody().write(sample.manifest().bytes());
        });

        assertRefused(Kind.DIGEST_MISMATCH, "the registry says sha256:0000");
    }

    @Test
    void aManifestTooLargeIsRefused() throws Exception {
        byte[] huge = new byte[(int) ManifestDoc.MAX_BYTES + 1];
        Arrays.fill(huge, (byte) ' ');
        registry.override("/v2/" + REPO + "/manifests/v1", ex -> {
            ex.sendResponseHeaders(200, 0); // chunked: no length to judge by, so it is read up to the limit
            ex.getResponseBody().write(huge);
        });

        assertRefused(Kind.TOO_LARGE, "larger than " + ManifestDoc.MAX_BYTES);
    }

    @Test
    void aServerErrorIsARegistryError() throws Exception {
        registry.override(FakeRegistry.blobPath(REPO, sample.config()), ex -> ex.sendResponseHeaders(503, -1));

        assertRefused(Kind.REGISTRY_ERROR, "answered 503");
    }

    @Test
    void credentialsAreNotSentWhereABlobIsRedirected() throws Exception {
        String login = "Basic " + Base64.getEncoder().encodeToString("agent:s3cret".getBytes(StandardCharsets.UTF_8));
        registry.requiredAuthorization = login;
        List<String> seenByStorage = new CopyOnWriteArrayList<>();
        Blob layer = sample.layers().getFirst();
        HttpServer storage = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        storage.createContext("/bucket", ex -> {
            try (ex) {
                seenByStorage.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
                FakeRegistry.send(ex, layer);
            }
        });
        storage.start();
        try {
            registry.override(FakeRegistry.blobPath(REPO, layer), ex -> {
                ex.getResponseHeaders().set("Location", "http://127.0.0.1:" + storage.getAddress().getPort()
                        + "/bucket/layer?signature=abc");
                ex.sendResponseHeaders(307, -1);
            });

            PulledImage pulled = fetcher.fetch(ImageRef.parse(registry.ref(REPO, "v1")), store,
                    Credentials.none().with(registry.host(), "agent", "s3cret"));

            assertThat(pulled.layers().getFirst()).isEqualTo(store.path(layer.digest()));
            assertThat(seenByStorage).containsExactly("null");
        } finally {
            storage.stop(0);
        }
    }

    @Test
    void aTokenRealmOverPlainHttpElsewhereIsNotAskedAtAll() throws Exception {
        registry.override("/v2/" + REPO + "/manifests/v1", ex -> {
            // .invalid never resolves: and the check comes before any connection
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"http://auth.example.invalid/token\",service=\"x\"");
            ex.sendResponseHeaders(401, -1);
        });

        assertThatThrownBy(() -> fetcher.fetch(ImageRef.parse(registry.ref(REPO, "v1")), store,
                Credentials.none().with(registry.host(), "agent", "s3cret")))
                .isInstanceOfSatisfying(ImageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAUTHORIZED))
                .hasMessageContaining("not HTTPS");
    }
}
