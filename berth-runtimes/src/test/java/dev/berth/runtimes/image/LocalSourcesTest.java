package dev.berth.runtimes.image;

import static dev.berth.runtimes.image.StoreAssertions.isSampleConfig;
import static dev.berth.runtimes.image.StoreAssertions.isSampleRootfs;
import static dev.berth.runtimes.image.StoreAssertions.onlyVerifiedBlobs;
import static dev.berth.runtimes.image.StoreAssertions.unpack;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.runtimes.image.ImageException.Kind;
import dev.berth.runtimes.image.TestImage.Blob;
import dev.berth.runtimes.image.TestImage.Image;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OCI layouts and docker archives the tests write, fetched, verified and unpacked for real. */
class LocalSourcesTest {
    @TempDir
    Path dir;

    private BlobStore store;
    private ImageFetcher fetcher;

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
    void anOciLayoutByTagUnpacksToItsLayersWithTheWhiteoutApplied() throws Exception {
        Image image = TestImage.sample();
        TestImage.writeLayout(dir.resolve("layout"), Map.of("v1", image.manifest()), image.blobs());

        PulledImage pulled = fetch("oci-layout:" + dir.resolve("layout") + ":v1");

        assertThat(pulled.manifestDigest()).isEqualTo(image.manifest().digest());
        assertThat(pulled.layers()).containsExactly(image.layers().stream().map(l -> store.path(l.digest())).toArray(Path[]::new));
        assertThat(pulled.compressedBytes())
                .isEqualTo(image.config().size() + image.layers().stream().mapToLong(Blob::size).sum());
        isSampleConfig(pulled.config());
        isSampleRootfs(unpack(pulled, dir.resolve("rootfs")));
        assertThat(store.contains(image.manifest().digest())).isTrue();
        onlyVerifiedBlobs(store);
    }

    @Test
    void anIndexOfSeveralPlatformsGivesTheAmd64Image() throws Exception {
        Image arm = TestImage.other("arm64");
        Image s390 = TestImage.other("s390x");
        Image amd = TestImage.sample();
        Map<String, Blob> platforms = new LinkedHashMap<>();
        platforms.put("linux/arm64", arm.manifest());
        platforms.put("linux/s390x", s390.manifest());
        platforms.put("linux/amd64", amd.manifest());
        Blob index = TestImage.index(platforms);
        List<Blob> blobs = new ArrayList<>(List.of(index));
        blobs.addAll(arm.blobs());
        blobs.addAll(s390.blobs());
        blobs.addAll(amd.blobs());
        TestImage.writeLayout(dir.resolve("layout"), Map.of("multi", index), blobs);

        PulledImage pulled = fetch("oci-layout:" + dir.resolve("layout")); // the only image: no tag needed

        assertThat(pulled.manifestDigest()).isEqualTo(amd.manifest().digest());
        isSampleRootfs(unpack(pulled, dir.resolve("rootfs")));
        assertThat(store.contains(arm.layers().getFirst().digest())).as("the arm64 layer is not fetched").isFalse();
    }

    @Test
    void aLayoutImageCanBePinnedByDigest() throws Exception {
        Image a = TestImage.sample();
        Image b = TestImage.other("amd64");
        List<Blob> blobs = new ArrayList<>(a.blobs());
        blobs.addAll(b.blobs());
        TestImage.writeLayout(dir.resolve("layout"), Map.of("a", a.manifest(), "b", b.manifest()), blobs);

        PulledImage pulled = fetch("oci-layout:" + dir.resolve("layout") + "@" + b.manifest().digest());

        assertThat(pulled.manifestDigest()).isEqualTo(b.manifest().digest());
        assertThat(pulled.layers()).containsExactly(store.path(b.layers().getFirst().digest()));
        assertThatThrownBy(() -> fetch("oci-layout:" + dir.resolve("layout")))
                .isInstanceOf(ImageException.class).hasMessageContaining("holds 2 images");
    }

    @Test
    void aSecondFetchReusesTheStoredBlobs() throws Exception {
        Image image = TestImage.sample();
        TestImage.writeLayout(dir.resolve("layout"), Map.of("v1", image.manifest()), image.blobs());
        PulledImage first = fetch("oci-layout:" + dir.resolve("layout") + ":v1");
        Object inode = Files.readAttributes(first.layers().getFirst(), BasicFileAttributes.class).fileKey();

        PulledImage second = fetch("oci-layout:" + dir.resolve("layout") + ":v1");

        assertThat(first.downloadedBytes()).isGreaterThan(first.compressedBytes()); // with the manifest
        assertThat(second.downloadedBytes()).isZero();
        assertThat(second.layers()).isEqualTo(first.layers());
        assertThat(Files.readAttributes(second.layers().getFirst(), BasicFileAttributes.class)
                .fileKey()).as("the same file, not a new copy").isEqualTo(inode);
    }

    @Test
    void aLegacyDockerArchiveIsVerifiedAgainstItsDiffIdsAndUnpacks() throws Exception {
        Image image = TestImage.sample();
        Path tar = TestImage.writeLegacyDockerArchive(dir.resolve("saved.tar"), image);

        PulledImage pulled = fetch("docker-archive:" + tar);

        isSampleConfig(pulled.config());
        isSampleRootfs(unpack(pulled, dir.resolve("rootfs")));
        assertThat(pulled.layers()).containsExactly(image.tars().stream().map(t -> store.path(Digest.of(t))).toArray(Path[]::new));
        assertThat(store.contains(pulled.manifestDigest())).as("the manifest written for it is stored").isTrue();
        onlyVerifiedBlobs(store);
    }

    @Test
    void aCurrentDockerArchiveWithCompressedLayersNamedByDigestUnpacks() throws Exception {
        Image image = TestImage.sample();
        Path tar = TestImage.writeDockerArchive(dir.resolve("saved.tar"), image);

        PulledImage pulled = fetch("docker-archive:" + tar);

        isSampleRootfs(unpack(pulled, dir.resolve("rootfs")));
        assertThat(pulled.layers()).containsExactly(image.layers().stream().map(l -> store.path(l.digest())).toArray(Path[]::new));
        // the manifest written for the archive types each layer by its magic bytes
        String manifest = Files.readString(store.path(pulled.manifestDigest()));
        assertThat(manifest).contains(MediaTypes.OCI_LAYER_GZIP, MediaTypes.OCI_LAYER_ZSTD, "\"" + MediaTypes.OCI_LAYER + "\"");
        assertThat(fetch("docker-archive:" + tar).manifestDigest()).as("the same every time").isEqualTo(pulled.manifestDigest());
    }

    @Test
    void aLegacyDockerArchiveSharingALayerThroughASymlinkIsFollowedInsideTheArchive() throws Exception {
        byte[] base = TestImage.tar(TestImage.files("etc/", "", "etc/motd", "base"));
        byte[] top = TestImage.tar(TestImage.files("etc/motd", "top"));
        List<byte[]> tars = List.of(base, top, base); // older docker saves a repeated layer once, linked
        Blob config = TestImage.config("amd64", tars);
        Path tar = dir.resolve("saved.tar");
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(Files.newOutputStream(tar))) {
            entry(t, "a/layer.tar", base);
            entry(t, "b/layer.tar", top);
            TarArchiveEntry link = new TarArchiveEntry("c/layer.tar", TarConstants.LF_SYMLINK);
            link.setLinkName("../a/layer.tar");
            t.putArchiveEntry(link);
            t.closeArchiveEntry();
            entry(t, config.digest().hex() + ".json", config.bytes());
            var layers = TestImage.JSON.createArrayNode().add("a/layer.tar").add("b/layer.tar").add("c/layer.tar");
            entry(t, "manifest.json", TestImage.dockerManifest(config.digest().hex() + ".json", layers));
        }

        PulledImage pulled = fetch("docker-archive:" + tar);

        assertThat(pulled.layers()).containsExactly(store.path(Digest.of(base)), store.path(Digest.of(top)),
                store.path(Digest.of(base)));
        assertThat(Files.readString(unpack(pulled, dir.resolve("rootfs")).resolve("etc/motd"))).isEqualTo("base");
    }

    private static void entry(TarArchiveOutputStream t, String name, byte[] content) throws Exception {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(content.length);
        t.putArchiveEntry(e);
        t.write(content);
        t.closeArchiveEntry();
    }

    // ---- hostile and broken images: the right refusal, and nothing unverified left behind

    @Test
    void aLayerWithOtherBytesOfTheSameSizeIsADigestMismatch() throws Exception {
        Image image = TestImage.sample();
        Path layout = TestImage.writeLayout(dir.resolve("layout"), Map.of("v1", image.manifest()), image.blobs());
        Blob second = image.layers().get(1);
        byte[] tampered = second.bytes().clone();
        tampered[600] ^= 1; // inside the first file's data
        Files.write(layout.resolve("blobs/sha256/" + second.digest().hex()), tampered);

        assertRefused("oci-layout:" + layout + ":v1", Kind.DIGEST_MISMATCH, "layer 2 of 3");
        assertThat(store.contains(second.digest())).isFalse();
        assertThat(store.contains(image.manifest().digest())).as("no manifest of an incomplete image").isFalse();
    }

    @Test
    void aLayerLongerThanItsDescriptorIsRefused() throws Exception {
        Image image = TestImage.sample();
        Path layout = TestImage.writeLayout(dir.resolve("layout"), Map.of("v1", image.manifest()), image.blobs());
        Blob first = image.layers().getFirst();
        byte[] longer = Arrays.copyOf(first.bytes(), first.bytes().length + 10);
        Files.write(layout.resolve("blobs/sha256/" + first.digest().hex()), longer);

        assertRefused("oci-layout:" + layout + ":v1", Kind.DIGEST_MISMATCH, "larger than the");
        assertThat(store.contains(first.digest())).isFalse();
    }

    @Test
    void aDescriptorClaimingMoreBytesThanTheBlobHasIsTruncated() throws Exception {
        Image image = TestImage.sample();
        ObjectNode m = (ObjectNode) TestImage.JSON.readTree(image.manifest().bytes());
        ((ObjectNode) m.withArray("layers").get(2)).put("size", image.layers().get(2).size() + 100);
        Blob manifest = TestImage.json(MediaTypes.OCI_MANIFEST, m);
        List<Blob> blobs = new ArrayList<>(image.layers());
        blobs.add(image.config());
        blobs.add(manifest);
        Path layout = TestImage.writeLayout(dir.resolve("layout"), Map.of("v1", manifest), blobs);

        assertRefused("oci-layout:" + layout + ":v1", Kind.TRUNCATED, "layer 3 of 3");
    }

    @Test
    void aTruncatedBlobIsTruncated() throws Exception {
        Image image = TestImage.sample();
        Path layout = TestImage.writeLayout(dir.resolve("layout"), Map.of("v1", image.manifest()), image.blobs());
        Blob first = image.layers().getFirst();
        Files.write(layout.resolve("blobs/sha256/" + first.digest().hex()), Arrays.copyOf(first.bytes(), 20));

        assertRefused("oci-layout:" + layout + ":v1", Kind.TRUNCATED, "ended after 20 of " + first.size());
        assertThat(store.contains(first.digest())).isFalse();
    }

    @Test
    void aConfigThatIsNotTheOneTheManifestNamesIsADigestMismatch() throws Exception {
        Image image = TestImage.sample();
        Path layout = TestImage.writeLayout(dir.resolve("layout"), Map.of("v1", image.manifest()), image.blobs());
        byte[] other = new String(image.config().bytes(), StandardCharsets.UTF_8)
                .replace("/bin/tool", "/bin/evil").getBytes(StandardCharsets.UTF_8);
        Files.write(layout.resolve("blobs/sha256/" + image.config().digest().hex()), other);

        assertRefused("oci-layout:" + layout + ":v1", Kind.DIGEST_MISMATCH, "the image config");
        assertThat(StoreAssertions.blobs(store)).isEmpty();
    }

    @Test
    void aDockerArchiveWhoseConfigIsNotTheDigestItIsNamedByIsRefused() throws Exception {
        Image image = TestImage.sample();
        Image impostor = TestImage.other("amd64");
        // the sample's config, named by the digest of another one
        Map<String, byte[]> entries = new LinkedHashMap<>();
        var layers = TestImage.JSON.createArrayNode();
        for (int i = 0; i < image.tars().size(); i++) {
            entries.put("l" + i + "/layer.tar", image.tars().get(i));
            layers.add("l" + i + "/layer.tar");
        }
        String configName = impostor.config().digest().hex() + ".json";
        entries.put(configName, image.config().bytes());
        entries.put("manifest.json", TestImage.dockerManifest(configName, layers));
        TestImage.writeTar(dir.resolve("saved.tar"), entries);

        assertRefused("docker-archive:" + dir.resolve("saved.tar"), Kind.DIGEST_MISMATCH, "the image config");
        assertThat(StoreAssertions.blobs(store)).isEmpty();
    }

    @Test
    void aLegacyDockerArchiveLayerThatIsNotItsDiffIdIsRefused() throws Exception {
        Image image = TestImage.sample();
        Image other = TestImage.other("amd64");
        // the sample's config and diff_ids, with another image's layer in place of the first
        Map<String, byte[]> entries = new LinkedHashMap<>();
        var layers = TestImage.JSON.createArrayNode();
        for (int i = 0; i < image.tars().size(); i++) {
            entries.put("l" + i + "/layer.tar", i == 0 ? other.tars().getFirst() : image.tars().get(i));
            layers.add("l" + i + "/layer.tar");
        }
        String configName = image.config().digest().hex() + ".json";
        entries.put(configName, image.config().bytes());
        entries.put("manifest.json", TestImage.dockerManifest(configName, layers));
        TestImage.writeTar(dir.resolve("saved.tar"), entries);

        assertRefused("docker-archive:" + dir.resolve("saved.tar"), Kind.DIGEST_MISMATCH, "layer 1 of 3");
        assertThat(store.contains(Digest.of(other.tars().getFirst()))).isFalse();
    }

    @Test
    void anIndexWithoutAmd64IsPlatformNotFoundNamingWhatItHas() throws Exception {
        Image arm = TestImage.other("arm64");
        Image s390 = TestImage.other("s390x");
        Map<String, Blob> platforms = new LinkedHashMap<>();
        platforms.put("linux/arm64", arm.manifest());
        platforms.put("linux/s390x", s390.manifest());
        Blob index = TestImage.index(platforms);
        List<Blob> blobs = new ArrayList<>(List.of(index));
        blobs.addAll(arm.blobs());
        blobs.addAll(s390.blobs());
        TestImage.writeLayout(dir.resolve("layout"), Map.of("multi", index), blobs);

        assertRefused("oci-layout:" + dir.resolve("layout") + ":multi", Kind.PLATFORM_NOT_FOUND,
                "no linux/amd64 variant (it has linux/arm64, linux/s390x)");
        assertThat(StoreAssertions.blobs(store)).isEmpty();
    }

    @Test
    void aSingleManifestForAnotherArchitectureIsPlatformNotFound() throws Exception {
        Image arm = TestImage.other("arm64");
        TestImage.writeLayout(dir.resolve("layout"), Map.of("arm", arm.manifest()), arm.blobs());

        assertRefused("oci-layout:" + dir.resolve("layout"), Kind.PLATFORM_NOT_FOUND, "built for linux/arm64");
    }

    @Test
    void aManifestAboveTheLimitIsRefusedBeforeItIsRead() throws Exception {
        Image image = TestImage.sample();
        Path layout = TestImage.writeLayout(dir.resolve("layout"), Map.of("v1", image.manifest()), image.blobs());
        String index = Files.readString(layout.resolve("index.json"))
                .replace("\"size\":" + image.manifest().size(), "\"size\":" + (ManifestDoc.MAX_BYTES + 1));
        Files.writeString(layout.resolve("index.json"), index);

        assertRefused("oci-layout:" + layout, Kind.TOO_LARGE, "larger than " + ManifestDoc.MAX_BYTES);
    }

    @Test
    void anImageAboveTheMaximumSizeIsRefusedFromItsDescriptorsAlone() throws Exception {
        Image image = TestImage.sample();
        Path layout = TestImage.writeLayout(dir.resolve("layout"), Map.of("v1", image.manifest()), image.blobs());
        long total = image.config().size() + image.layers().stream().mapToLong(Blob::size).sum();
        try (ImageFetcher small = new ImageFetcher(FetchOptions.DEFAULTS.withMaxImageBytes(total - 1))) {
            assertThatThrownBy(() -> small.fetch(ImageRef.parse("oci-layout:" + layout), store, Credentials.none()))
                    .isInstanceOfSatisfying(ImageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.TOO_LARGE))
                    .hasMessageContaining(total + " bytes");
            assertThat(StoreAssertions.blobs(store)).as("nothing downloaded").isEmpty();
        }
        try (ImageFetcher exact = new ImageFetcher(FetchOptions.DEFAULTS.withMaxImageBytes(total))) {
            assertThat(exact.fetch(ImageRef.parse("oci-layout:" + layout), store, Credentials.none()).compressedBytes())
                    .isEqualTo(total);
        }
    }

    @Test
    void aForeignLayerIsUnsupported() throws Exception {
        Image image = TestImage.sample();
        Blob foreign = new Blob("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", image.layers().getFirst().bytes());
        Blob manifest = TestImage.manifest(MediaTypes.DOCKER_MANIFEST, image.config(), List.of(foreign));
        TestImage.writeLayout(dir.resolve("layout"), Map.of("win", manifest), List.of(manifest, image.config(), foreign));

        assertRefused("oci-layout:" + dir.resolve("layout"), Kind.UNSUPPORTED, "foreign");
        assertThat(StoreAssertions.blobs(store)).isEmpty();
    }

    @Test
    void aLayoutBlobThatLinksOutOfTheLayoutIsRefused() throws Exception {
        Image image = TestImage.sample();
        Path layout = TestImage.writeLayout(dir.resolve("layout"), Map.of("v1", image.manifest()), image.blobs());
        Blob first = image.layers().getFirst();
        Path outside = Files.write(dir.resolve("outside"), first.bytes());
        Path inLayout = layout.resolve("blobs/sha256/" + first.digest().hex());
        Files.delete(inLayout);
        Files.createSymbolicLink(inLayout, outside);

        assertRefused("oci-layout:" + layout, Kind.UNSUPPORTED, "links out of the layout");
    }

    private void assertRefused(String ref, Kind kind, String message) throws Exception {
        assertThatThrownBy(() -> fetch(ref))
                .isInstanceOfSatisfying(ImageException.class, e -> assertThat(e.kind()).as(e.getMessage()).isEqualTo(kind))
                .hasMessageContaining(message)
                .message().doesNotContain("\n");
        onlyVerifiedBlobs(store);
    }
}
