package dev.berth.runtimes.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.runtimes.image.ImageException.Kind;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobStoreTest {
    private static final byte[] CONTENT = "some layer bytes".getBytes(StandardCharsets.UTF_8);
    private static final Digest DIGEST = Digest.of(CONTENT);

    @TempDir
    Path dir;

    @Test
    void aVerifiedBlobLandsUnderItsDigest() throws Exception {
        BlobStore store = new BlobStore(dir);
        BlobStore.Stored s = store.put(new ByteArrayInputStream(CONTENT), DIGEST, CONTENT.length, "blob");

        assertThat(s.path()).isEqualTo(dir.resolve("sha256").resolve(DIGEST.hex()));
        assertThat(Files.readAllBytes(s.path())).isEqualTo(CONTENT);
        assertThat(s.written()).isTrue();
        assertThat(store.existing(DIGEST, CONTENT.length)).isEqualTo(s.path());
        assertThat(store.existing(DIGEST, CONTENT.length + 1)).as("another size is not this blob").isNull();
        StoreAssertions.onlyVerifiedBlobs(store);
    }

    @Test
    void aStreamThatFailsMidwayIsTruncatedAndLeavesNothing() throws Exception {
        BlobStore store = new BlobStore(dir);
        InputStream breaking = new InputStream() {
            private int left = 5;

            @Override
            public int read() throws IOException {
                if (left-- <= 0) {
                    throw new IOException("connection reset");
                }
                return 'x';
            }
        };

        assertThatThrownBy(() -> store.put(breaking, DIGEST, CONTENT.length, "layer 1"))
                .isInstanceOfSatisfying(ImageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.TRUNCATED))
                .hasMessage("layer 1 broke off after 5 of " + CONTENT.length + " bytes (IOException)");
        StoreAssertions.onlyVerifiedBlobs(store);
        assertThat(StoreAssertions.blobs(store)).isEmpty();
    }

    @Test
    void theSameBlobWrittenAtOnceByManyEndsUpOnceAndWhole() throws Exception {
        BlobStore store = new BlobStore(dir);
        List<Future<BlobStore.Stored>> puts = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 16; i++) {
                puts.add(pool.submit(() -> store.put(new ByteArrayInputStream(CONTENT), DIGEST, CONTENT.length, "blob")));
            }
        }
        for (Future<BlobStore.Stored> p : puts) {
            assertThat(p.get().path()).isEqualTo(store.path(DIGEST));
        }
        assertThat(StoreAssertions.blobs(store)).containsExactly(store.path(DIGEST));
        StoreAssertions.onlyVerifiedBlobs(store);
    }

    @Test
    void partialFilesOfAKilledPullAreRemovedOnOpenButNotThoseOfARunningOne() throws Exception {
        new BlobStore(dir);
        Path stale = Files.writeString(dir.resolve(".incoming-1.partial"), "half");
        Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minus(Duration.ofDays(1))));
        Path running = Files.writeString(dir.resolve(".incoming-2.partial"), "half");

        new BlobStore(dir);

        assertThat(stale).doesNotExist();
        assertThat(running).exists();
    }
}
