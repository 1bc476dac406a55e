package dev.berth.runtimes.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.runtimes.archive.ArchiveLimits;
import dev.berth.runtimes.archive.SafeUnpacker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** What the tests check of a blob store and of a pulled image's root filesystem. */
final class StoreAssertions {
    private static final ArchiveLimits LIMITS = new ArchiveLimits(10_000, 100L << 20, 1000);

    private StoreAssertions() {}

    /** The store holds no temporary file, and every blob it holds is the content its name says. */
    static void onlyVerifiedBlobs(BlobStore store) throws IOException {
        try (Stream<Path> top = Files.list(store.root())) {
            assertThat(top.map(p -> p.getFileName().toString())).as("files in the store's root").containsExactly("sha256");
        }
        for (Path blob : blobs(store)) {
            assertThat(Digest.of(Files.readAllBytes(blob)).hex()).as("content of " + blob).isEqualTo(blob.getFileName().toString());
        }
    }

    static List<Path> blobs(BlobStore store) throws IOException {
        try (Stream<Path> s = Files.list(store.root().resolve("sha256"))) {
            return s.sorted().toList();
        }
    }

    /** Unpacks the pulled layers, as a deploy does, into {@code dest}. */
    static Path unpack(PulledImage image, Path dest) throws Exception {
        new SafeUnpacker(LIMITS).unpackLayers(image.layers(), dest);
        return dest;
    }

    /** The root filesystem of {@link TestImage#sample()}: three layers applied, with the whiteout. */
    static void isSampleRootfs(Path root) throws IOException {
        assertThat(Files.readString(root.resolve("etc/hello.txt"))).isEqualTo("hello from layer 3");
        assertThat(Files.readString(root.resolve("etc/arch"))).isEqualTo("amd64");
        assertThat(Files.readString(root.resolve("app/keep.txt"))).isEqualTo("keep");
        assertThat(Files.readString(root.resolve("app/new.txt"))).isEqualTo("new");
        assertThat(root.resolve("app/old.txt")).as("whited out by layer 2").doesNotExist();
        assertThat(root.resolve("app/.wh.old.txt")).doesNotExist();
        assertThat(Files.isExecutable(root.resolve("bin/tool"))).isTrue();
    }

    static void isSampleConfig(ImageConfig c) {
        assertThat(c.entrypoint()).containsExactly("/bin/tool");
        assertThat(c.cmd()).containsExactly("--serve");
        assertThat(c.env()).containsExactly("PATH=/usr/local/bin:/usr/bin:/bin", "MODE=test");
        assertThat(c.workingDir()).isEqualTo("/app");
        assertThat(c.user()).isEqualTo("1000");
    }
}
