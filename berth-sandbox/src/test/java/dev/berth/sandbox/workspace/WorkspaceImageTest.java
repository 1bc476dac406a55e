package dev.berth.sandbox.workspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkspaceImageTest {
    @TempDir
    Path dir;

    WorkspaceImage image;

    @AfterEach
    void unmount() throws IOException {
        if (image != null) {
            image.unmount();
        }
    }

    private void needsImages() {
        assumeTrue(WorkspaceImage.unavailableReason().isEmpty(),
                () -> "workspace images unavailable: " + WorkspaceImage.unavailableReason().orElseThrow());
    }

    @Test
    void anImageIsASparseFileSystemOfItsSizeThatKeepsItsDataAcrossMounts() throws IOException {
        needsImages();
        image = new WorkspaceImage(dir.resolve("ws.img"), dir.resolve("ws"));
        image.create(64L << 20);
        assertThat(Files.size(image.image())).isEqualTo(64L << 20);
        assertThat(image.mounted()).isFalse();

        image.mount();
        assertThat(image.mounted()).isTrue();
        image.mount(); // idempotent: no second mount stacked on the first
        assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> l.split(" ")[4].equals(image.mountPoint().toString())).count()).isEqualTo(1);
        assertThat(Files.exists(image.mountPoint().resolve("lost+found"))).isFalse();
        var store = Files.getFileStore(image.mountPoint());
        assertThat(store.type()).isEqualTo("ext4");
        assertThat(store.getTotalSpace()).isBetween(48L << 20, 64L << 20);

        Files.writeString(image.mountPoint().resolve("note"), "kept");
        assertThat(image.usedBytes()).isPresent();
        image.unmount();
        assertThat(image.mounted()).isFalse();
        assertThat(Files.exists(image.mountPoint().resolve("note"))).isFalse(); // it lives in the image
        image.mount();
        assertThat(Files.readString(image.mountPoint().resolve("note"))).isEqualTo("kept");
    }

    @Test
    void writingPastTheSizeFailsWithNoSpace() throws IOException {
        needsImages();
        image = new WorkspaceImage(dir.resolve("small.img"), dir.resolve("small"));
        image.create(WorkspaceImage.MIN_BYTES);
        image.mount();
        assertThatThrownBy(() -> Files.write(image.mountPoint().resolve("big"), new byte[32 << 20]))
                .isInstanceOf(IOException.class).hasMessageContaining("No space left on device");
    }

    @Test
    void sparesAreTakenByRenameAndRefilledWhileOtherSizesAreMadeOnDemand() throws Exception {
        needsImages();
        try (SpareImages spares = new SpareImages(dir.resolve("spares"), 32L << 20, 1)) {
            spares.refill();
            spares.close(); // waits for the refill
            Path spare = dir.resolve("spares/spare-" + (32L << 20) + "-0.img");
            assertThat(spare).isRegularFile();
            Object spareFile = Files.getAttribute(spare, "unix:ino");

            image = new WorkspaceImage(dir.resolve("a/ws.img"), dir.resolve("a/ws"));
            spares.take(image, 32L << 20);
            assertThat(Files.getAttribute(image.image(), "unix:ino")).isEqualTo(spareFile);
            spares.close();
            assertThat(spare).isRegularFile(); // made again for the next create

            WorkspaceImage other = new WorkspaceImage(dir.resolve("b/ws.img"), dir.resolve("b/ws"));
            spares.take(other, 48L << 20);
            assertThat(Files.size(other.image())).isEqualTo(48L << 20);
            image.mount();
            assertThat(image.mounted()).isTrue();
        }
    }

    @Test
    void tooSmallAnImageIsRefused() {
        WorkspaceImage tiny = new WorkspaceImage(dir.resolve("t.img"), dir.resolve("t"));
        assertThatThrownBy(() -> tiny.create(1 << 20)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void mountPointsWithEscapedCharactersAreRecognised() {
        assertThat(Mounts.unescape("/tmp/a\\040b\\011c\\134d")).isEqualTo("/tmp/a b\tc\\d");
        assertThat(Mounts.unescape("/plain")).isEqualTo("/plain");
        assertThat(Mounts.unescape("/odd\\04")).isEqualTo("/odd\\04");
    }
}
