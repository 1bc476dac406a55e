package dev.berth.sandbox.workspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Copies of workspace images: sparse copies where the host has no reflinks, clones where it has. */
class WorkspaceImageCopyTest {
    @TempDir
    Path dir;

    private final List<WorkspaceImage> mounted = new ArrayList<>();
    private Path xfs;

    @AfterEach
    void unmount() throws Exception {
        for (WorkspaceImage i : mounted) {
            i.unmount();
        }
        if (xfs != null) {
            WorkspaceImage.run(List.of("umount", xfs.toString()));
        }
    }

    private void needsImages() {
        assumeTrue(WorkspaceImage.unavailableReason().isEmpty(),
                () -> "workspace images unavailable: " + WorkspaceImage.unavailableReason().orElseThrow());
    }

    @Test
    void aCopyOfAFrozenImageHoldsWhatWasWrittenAndStaysSparse() throws Exception {
        needsImages();
        WorkspaceImage source = mount(new WorkspaceImage(dir.resolve("a.img"), dir.resolve("a")), true);
        Files.write(source.mountPoint().resolve("data"), new byte[4 << 20]);
        Files.writeString(source.mountPoint().resolve("note"), "written just before the freeze");

        WorkspaceImage copy = new WorkspaceImage(dir.resolve("b.img"), dir.resolve("b"));
        WorkspaceImage.Copy how;
        try (WorkspaceImage.Frozen frozen = source.freeze()) {
            how = source.copyTo(copy);
        }
        Files.writeString(source.mountPoint().resolve("after"), "thawed: writes go on");

        assertThat(Files.size(copy.image())).isEqualTo(256L << 20);
        if (how == WorkspaceImage.Copy.SPARSE_COPY) {
            Process stat = new ProcessBuilder("stat", "-c", "%b", copy.image().toString()).start();
            long allocated = Long.parseLong(new String(stat.getInputStream().readAllBytes()).strip()) * 512; // st_blocks
            assertThat(allocated).as("holes stay holes").isLessThan(64L << 20);
        }
        mount(copy, false);
        assertThat(Files.readString(copy.mountPoint().resolve("note"))).isEqualTo("written just before the freeze");
        assertThat(Files.size(copy.mountPoint().resolve("data"))).isEqualTo(4 << 20);
        assertThat(copy.mountPoint().resolve("after")).doesNotExist();
        assertThatThrownBy(() -> source.copyTo(copy)).as("never over another image").isInstanceOf(IOException.class);
        assertThat(copy.mountPoint().resolve("note")).exists();
    }

    @Test
    void onXfsWithReflinksAnImageIsCloned() throws Exception {
        needsImages();
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/mkfs.xfs")) || Files.isExecutable(Path.of("/sbin/mkfs.xfs")),
                "no mkfs.xfs (Debian: apt-get install xfsprogs)");
        Path fsImage = dir.resolve("host.xfs");
        try (var f = new java.io.RandomAccessFile(fsImage.toFile(), "rw")) {
            f.setLength(1L << 30);
        }
        WorkspaceImage.run(List.of(WorkspaceImage.tool("mkfs.xfs"), "-q", "-m", "reflink=1", fsImage.toString()));
        xfs = Files.createDirectories(dir.resolve("xfs"));
        WorkspaceImage.run(List.of(WorkspaceImage.tool("mount"), "-o", "loop", fsImage.toString(), xfs.toString()));

        WorkspaceImage source = mount(new WorkspaceImage(xfs.resolve("a.img"), xfs.resolve("a")), true);
        Files.writeString(source.mountPoint().resolve("note"), "cloned");
        source.unmount();
        WorkspaceImage copy = new WorkspaceImage(xfs.resolve("b.img"), xfs.resolve("b"));
        assertThat(source.copyTo(copy)).isEqualTo(WorkspaceImage.Copy.REFLINK);
        mount(copy, false);
        assertThat(Files.readString(copy.mountPoint().resolve("note"))).isEqualTo("cloned");
        Files.writeString(copy.mountPoint().resolve("note"), "changed in the copy");
        copy.unmount();
        mount(source, false);
        assertThat(Files.readString(source.mountPoint().resolve("note"))).isEqualTo("cloned");
    }

    private WorkspaceImage mount(WorkspaceImage image, boolean create) throws IOException {
        if (create) {
            image.create(256L << 20);
        }
        image.mount();
        mounted.addFirst(image); // unmounted in reverse order, before the XFS under them
        return image;
    }
}
