package dev.berth.runtimes.image;

import static dev.berth.runtimes.image.StoreAssertions.isSampleConfig;
import static dev.berth.runtimes.image.StoreAssertions.isSampleRootfs;
import static dev.berth.runtimes.image.StoreAssertions.onlyVerifiedBlobs;
import static dev.berth.runtimes.image.StoreAssertions.unpack;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.runtimes.image.ImageException.Kind;
import dev.berth.runtimes.image.TestImage.Blob;
import dev.berth.runtimes.image.TestImage.Image;
import dev.berth.runtimes.testing.TestRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls from a real registry (docker/distribution) on loopback, of images the test pushes itself:
 * by tag and digest through a multi-platform index, with blob reuse, and behind Basic and bearer
 * token auth.
 */
class RegistryFetchTest {
    private static final String REPO = "berth/sample";

    @TempDir
    static Path shared;

    private static TestRegistry registry;
    private static Image sample;
    private static Image arm;
    private static Blob index;

    @TempDir
    Path dir;

    private BlobStore store;
    private ImageFetcher fetcher;

    @BeforeAll
    static void startRegistryWithImages() throws Exception {
        registry = TestRegistry.start(shared, "");
        sample = TestImage.sample();
        arm = TestImage.other("arm64");
        Map<String, Blob> platforms = new LinkedHashMap<>();
        platforms.put("linux/arm64", arm.manifest());
        platforms.put("linux/amd64", sample.manifest());
        index = TestImage.index(platforms);
        try (RegistryPusher push = new RegistryPusher(registry, null)) {
            push.push(REPO, "amd64", sample);
            push.push(REPO, "arm64", arm);
            push.pushManifest(REPO, "v1", index);
        }
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        store = new BlobStore(dir.resolve("store"));
        fetcher = new ImageFetcher();
    }

    @AfterEach
    void tearDown() {
        fetcher.close();
    }

    private PulledImage fetch(String ref) throws Exception {
        return fetcher.fetch(ImageRef.parse(ref), store, Credentials.none());
    }

    @Test
    void aTagNamingAnIndexIsPulledAsItsAmd64ImageAndUnpacks() throws Exception {
        PulledImage pulled = fetch(registry.host() + "/" + REPO + ":v1");

        assertThat(pulled.manifestDigest()).isEqualTo(sample.manifest().digest());
        isSampleConfig(pulled.config());
        isSampleRootfs(unpack(pulled, dir.resolve("rootfs")));
        assertThat(store.contains(arm.layers().getFirst().digest())).isFalse();
        onlyVerifiedBlobs(store);
    }

    @Test
    void aDigestPinsTheManifestOrTheIndex() throws Exception {
        PulledImage byManifest = fetch(registry.host() + "/" + REPO + "@" + sample.manifest().digest());
        PulledImage byIndex = fetch(registry.host() + "/" + REPO + ":ignored@" + index.digest());

        assertThat(byManifest.manifestDigest()).isEqualTo(sample.manifest().digest());
        assertThat(byIndex.manifestDigest()).isEqualTo(sample.manifest().digest());
        assertThatThrownBy(() -> fetch(registry.host() + "/" + REPO + "@sha256:" + "ab".repeat(32)))
                .isInstanceOfSatisfying(ImageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND));
    }

    @Test
    void aSecondPullDownloadsNothingAndKeepsTheStoredFiles() throws Exception {
        PulledImage first = fetch(registry.host() + "/" + REPO + ":v1");
        List<Object> inodes = new ArrayList<>();
        for (Path layer : first.layers()) {
            inodes.add(Files.readAttributes(layer, BasicFileAttributes.class).fileKey());
        }

        PulledImage second = fetch(registry.host() + "/" + REPO + ":amd64");

        assertThat(second.manifestDigest()).isEqualTo(first.manifestDigest());
        assertThat(first.downloadedBytes()).isGreaterThan(first.compressedBytes());
        assertThat(second.downloadedBytes()).isZero();
        List<Object> after = new ArrayList<>();
        for (Path layer : second.layers()) {
            after.add(Files.readAttributes(layer, BasicFileAttributes.class).fileKey());
        }
        assertThat(after).as("the same files, not rewritten").isEqualTo(inodes);
    }

    @Test
    void aDockerSchema2ImageIsPulledToo() throws Exception {
        Image docker = dockerImage();
        try (RegistryPusher push = new RegistryPusher(registry, null)) {
            push.push("berth/docker", "v2", docker);
        }

        PulledImage pulled = fetch(registry.host() + "/berth/docker:v2");

        assertThat(pulled.manifestDigest()).isEqualTo(docker.manifest().digest());
        isSampleRootfs(unpack(pulled, dir.resolve("rootfs")));
    }

    @Test
    void aMissingTagOrRepositoryIsNotFound() {
        assertThatThrownBy(() -> fetch(registry.host() + "/" + REPO + ":nope"))
                .isInstanceOfSatisfying(ImageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND))
                .hasMessageContaining("MANIFEST_UNKNOWN");
        assertThatThrownBy(() -> fetch(registry.host() + "/no/such/repo:v1"))
                .isInstanceOfSatisfying(ImageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND));
    }

    @Test
    void aPortNothingListensOnIsUnreachable() throws Exception {
        int closed = TestRegistry.freePort();
        assertThatThrownBy(() -> fetch("127.0.0.1:" + closed + "/" + REPO + ":v1"))
                .isInstanceOfSatisfying(ImageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNREACHABLE))
                .hasMessageContaining("connection refused");
    }

    @Test
    void basicAuthWithAnHtpasswdFile() throws Exception {
        try (TestRegistry secured = TestRegistry.startWithLogin(Files.createDirectories(dir.resolve("reg")), "agent", "s3cret-pass");
                RegistryPusher push = new RegistryPusher(secured, TestRegistry.basic("agent", "s3cret-pass"))) {
            push.push(REPO, "v1", sample);
            ImageRef ref = ImageRef.parse(secured.host() + "/" + REPO + ":v1");

            PulledImage pulled = fetcher.fetch(ref, store, Credentials.none().with(secured.host(), "agent", "s3cret-pass"));
            assertThat(pulled.manifestDigest()).isEqualTo(sample.manifest().digest());

            BlobStore other = new BlobStore(dir.resolve("other"));
            assertThatThrownBy(() -> fetcher.fetch(ref, other, Credentials.none()))
                    .isInstanceOfSatisfying(ImageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAUTHORIZED))
                    .hasMessageContaining("no login is configured");
            assertThatThrownBy(() -> fetcher.fetch(ref, other, Credentials.none().with(secured.host(), "agent", "wrong-pass")))
                    .isInstanceOfSatisfying(ImageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAUTHORIZED))
                    .message().doesNotContain("wrong-pass");
            assertThat(StoreAssertions.blobs(other)).isEmpty();
        }
    }

    @Test
    void bearerTokensFromTheTokenServiceAreFetchedOnceAndReused() throws Exception {
        try (TokenServer tokens = TokenServer.start(dir, "agent", "s3cret-pass");
                TestRegistry secured = TestRegistry.start(Files.createDirectories(dir.resolve("reg")),
                        tokens.registryAuthYaml());
                RegistryPusher push = new RegistryPusher(secured,
                        "Bearer " + tokens.issue("repository:" + REPO + ":pull,push"))) {
            push.push(REPO, "amd64", sample);
            push.push(REPO, "arm64", arm);
            push.pushManifest(REPO, "v1", index);
            ImageRef ref = ImageRef.parse(secured.host() + "/" + REPO + ":v1");
            Credentials login = Credentials.none().with(secured.host(), "agent", "s3cret-pass");

            PulledImage pulled = fetcher.fetch(ref, store, login);
            assertThat(pulled.manifestDigest()).isEqualTo(sample.manifest().digest());
            isSampleRootfs(unpack(pulled, dir.resolve("rootfs")));
            assertThat(tokens.issued()).as("one token for the index, manifest, config and 3 layers").isEqualTo(1);

            fetcher.fetch(ref, new BlobStore(dir.resolve("again")), login);
            assertThat(tokens.issued()).as("the cached token serves the next pull").isEqualTo(1);

            BlobStore other = new BlobStore(dir.resolve("other"));
            assertThatThrownBy(() -> fetcher.fetch(ref, other, Credentials.none().with(secured.host(), "agent", "wrong-pass")))
                    .isInstanceOfSatisfying(ImageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAUTHORIZED))
                    .message().contains("token service").doesNotContain("wrong-pass");
            assertThat(tokens.refused()).as("a wrong password is not served from the cache").isEqualTo(1);
            assertThatThrownBy(() -> fetcher.fetch(ref, other, Credentials.none()))
                    .isInstanceOfSatisfying(ImageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAUTHORIZED));
            assertThat(StoreAssertions.blobs(other)).isEmpty();
        }
    }

    /** The sample as Docker's schema 2 types it. */
    private static Image dockerImage() {
        List<Blob> layers = new ArrayList<>();
        for (byte[] tar : sample.tars()) {
            layers.add(new Blob(MediaTypes.DOCKER_LAYER_GZIP, TestImage.gzip(tar)));
        }
        Blob config = new Blob(MediaTypes.DOCKER_CONFIG, sample.config().bytes());
        return new Image(TestImage.manifest(MediaTypes.DOCKER_MANIFEST, config, layers), config, layers, sample.tars());
    }
}
