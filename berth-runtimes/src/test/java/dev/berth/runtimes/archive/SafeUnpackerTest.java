package dev.berth.runtimes.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.luben.zstd.ZstdOutputStream;
import dev.berth.runtimes.archive.ArchiveException.Kind;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Archives the tests write themselves, good and hostile, unpacked for real into a temp directory. */
class SafeUnpackerTest {
    private static final ArchiveLimits ROOMY = new ArchiveLimits(1000, 50L << 20, 1000);

    @TempDir
    Path dir;

    @Test
    void aProjectZipUnpacksWithItsModesAndInnerLinks() throws Exception {
        Path zip = zip("app.zip", z -> {
            file(z, "app/main.py", 0644, "print('hi')\n");
            file(z, "app/run.sh", 0755, "#!/bin/sh\n");
            symlink(z, "app/entry.py", "main.py");
            directory(z, "app/empty/");
        });
        Path dest = dir.resolve("out");
        new SafeUnpacker(ROOMY).unpackZip(zip, dest);
        assertThat(Files.readString(dest.resolve("app/main.py"))).isEqualTo("print('hi')\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dest.resolve("app/run.sh"))))
                .isEqualTo("rwxr-xr-x");
        assertThat(Files.readSymbolicLink(dest.resolve("app/entry.py"))).isEqualTo(Path.of("main.py"));
        assertThat(Files.readString(dest.resolve("app/entry.py"))).isEqualTo("print('hi')\n");
        assertThat(dest.resolve("app/empty")).isDirectory();
        assertThat(leftovers()).containsExactlyInAnyOrder("app.zip", "out");
    }

    @Test
    void aGzippedLayerUnpacksWithAbsoluteLinksHardLinksAndReplacedEntries() throws Exception {
        Path tar = tar("layer.tar.gz", true, t -> {
            tarDir(t, "./usr/");
            tarDir(t, "./usr/bin/");
            tarFile(t, "./usr/bin/python3", 0755, "ELF");
            tarLink(t, "bin", TarConstants.LF_SYMLINK, "usr/bin");
            tarLink(t, "usr/bin/python", TarConstants.LF_SYMLINK, "/usr/bin/python3"); // means the rootfs's own
            tarLink(t, "usr/bin/py3", TarConstants.LF_LINK, "usr/bin/python3");
            tarFile(t, "etc/motd", 0644, "first");
            tarFile(t, "etc/motd", 0644, "second"); // a later entry replaces an earlier one
        });
        Path dest = dir.resolve("root");
        new SafeUnpacker(ROOMY).unpackTar(tar, dest);
        assertThat(Files.readString(dest.resolve("usr/bin/py3"))).isEqualTo("ELF");
        assertThat(Files.readSymbolicLink(dest.resolve("usr/bin/python"))).isEqualTo(Path.of("/usr/bin/python3"));
        assertThat(Files.readSymbolicLink(dest.resolve("bin"))).isEqualTo(Path.of("usr/bin"));
        assertThat(Files.readString(dest.resolve("etc/motd"))).isEqualTo("second");
    }

    @Test
    void aZstdLayerUnpacksWithItsOwnersShiftedIntoTheSandboxRange() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "giving files to other owners needs root");
        Path layer = dir.resolve("layer.tar.zst");
        try (OutputStream out = new ZstdOutputStream(Files.newOutputStream(layer));
                TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            TarArchiveEntry home = new TarArchiveEntry("home/app/", TarConstants.LF_DIR);
            home.setMode(040750);
            home.setIds(1000, 1000);
            t.putArchiveEntry(home);
            t.closeArchiveEntry();
            tarFile(t, "home/app/notes", 0600, "mine");
            TarArchiveEntry link = new TarArchiveEntry("home/app/link", TarConstants.LF_SYMLINK);
            link.setLinkName("notes");
            link.setIds(1000, 100);
            t.putArchiveEntry(link);
            t.closeArchiveEntry();
            TarArchiveEntry alien = new TarArchiveEntry("alien");
            alien.setIds(2_000_000, 2_000_000);
            t.putArchiveEntry(alien);
            t.closeArchiveEntry();
        }
        Path dest = dir.resolve("root");
        new SafeUnpacker(ROOMY, new IdShift(300_000, 65_536)).unpackLayers(List.of(layer), dest);

        assertThat(Files.readString(dest.resolve("home/app/notes"))).isEqualTo("mine");
        assertThat(owner(dest)).as("the root directory is the namespace root's").isEqualTo("300000:300000");
        assertThat(owner(dest.resolve("home/app"))).isEqualTo("301000:301000");
        assertThat(owner(dest.resolve("home/app/notes"))).as("an entry of uid 0").isEqualTo("300000:300000");
        assertThat(owner(dest.resolve("home/app/link"))).as("the link itself, not its target").isEqualTo("301000:300100");
        assertThat(owner(dest.resolve("alien"))).as("ids beyond the range are nobody's").isEqualTo("365534:365534");
    }

    private static String owner(Path p) throws IOException {
        return Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS) + ":"
                + Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
    }

    @Test
    void layersStackWithTheirWhiteoutsAppliedNotUnpacked() throws Exception {
        Path lower = tar("lower.tar.gz", true, t -> {
            tarFile(t, "a/x", 0644, "x");
            tarFile(t, "a/y", 0644, "y");
            tarFile(t, "b/old", 0644, "old");
            tarFile(t, "c/keep", 0644, "keep");
        });
        Path upper = tar("upper.tar", false, t -> {
            tarFile(t, "b/new", 0644, "new"); // before the opaque marker of its directory: kept all the same
            tarFile(t, "a/.wh.x", 0644, "");
            tarFile(t, "b/.wh..wh..opq", 0644, "");
            tarFile(t, "d/file", 0644, "d");
        });
        Path dest = dir.resolve("image");
        new SafeUnpacker(ROOMY).unpackLayers(List.of(lower, upper), dest);
        assertThat(dest.resolve("a/x")).doesNotExist();
        assertThat(Files.readString(dest.resolve("a/y"))).isEqualTo("y");
        assertThat(dest.resolve("b/old")).doesNotExist();
        assertThat(Files.readString(dest.resolve("b/new"))).isEqualTo("new");
        assertThat(Files.readString(dest.resolve("c/keep"))).isEqualTo("keep");
        assertThat(Files.readString(dest.resolve("d/file"))).isEqualTo("d");
        try (Stream<Path> all = Files.walk(dest)) {
            assertThat(all.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".wh."));
        }
        // a whiteout is a name like any other: it cannot reach out either
        Path hostile = tar("wh-escape.tar", false, t -> tarFile(t, "a/.wh...", 0644, ""));
        Path dest2 = dir.resolve("image2");
        assertThatThrownBy(() -> new SafeUnpacker(ROOMY).unpackLayers(List.of(lower, hostile), dest2))
                .isInstanceOfSatisfying(ArchiveException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNSAFE_PATH));
        assertThat(dest2).doesNotExist();
    }

    @Test
    void namesOutsideTheDestinationAreRefusedAndNothingIsLeft() throws Exception {
        assertRefused(zip("slip.zip", z -> {
            file(z, "ok.txt", 0644, "fine");
            file(z, "../evil.txt", 0644, "escaped");
        }), Kind.UNSAFE_PATH, false);
        assertThat(dir.resolveSibling("evil.txt")).doesNotExist();
        assertRefused(zip("deep.zip", z -> file(z, "a/b/../../../evil.txt", 0644, "x")), Kind.UNSAFE_PATH, false);
        assertRefused(tar("abs.tar", false, t -> {
            TarArchiveEntry e = new TarArchiveEntry("/etc/evil", true); // true: keep the leading slash, as a hostile tar would
            e.setSize(1);
            t.putArchiveEntry(e);
            t.write('x');
            t.closeArchiveEntry();
        }), Kind.UNSAFE_PATH, true);
        assertRefused(zip("backslash.zip", z -> file(z, "..\\evil.txt", 0644, "x")), Kind.UNSAFE_PATH, false);
    }

    @Test
    void linksThatPointOrAreWrittenThroughOutOfTheDestinationAreRefused() throws Exception {
        assertRefused(tar("up.tar", false, t -> tarLink(t, "up", TarConstants.LF_SYMLINK, "../../../etc")),
                Kind.LINK_ESCAPE, true);
        assertRefused(zip("abslink.zip", z -> symlink(z, "passwd", "/etc/passwd")), Kind.LINK_ESCAPE, false);
        // a link to a place inside, then a file written "through" it: refused, not followed
        assertRefused(tar("through.tar", false, t -> {
            tarLink(t, "tmp", TarConstants.LF_SYMLINK, "/tmp");
            tarFile(t, "tmp/evil", 0644, "x");
        }), Kind.LINK_ESCAPE, true);
        assertRefused(tar("hard.tar", false, t -> tarLink(t, "shadow", TarConstants.LF_LINK, "../../etc/shadow")),
                Kind.UNSAFE_PATH, true);
        assertRefused(tar("hard-missing.tar", false, t -> tarLink(t, "x", TarConstants.LF_LINK, "not-there")),
                Kind.LINK_ESCAPE, true);
    }

    @Test
    void deviceNodesAreRefused() throws Exception {
        assertRefused(tar("dev.tar", false, t -> {
            TarArchiveEntry e = new TarArchiveEntry("dev/sda", TarConstants.LF_BLK);
            e.setDevMajor(8);
            t.putArchiveEntry(e);
            t.closeArchiveEntry();
        }), Kind.SPECIAL_FILE, true);
        assertRefused(tar("fifo.tar", false, t -> {
            t.putArchiveEntry(new TarArchiveEntry("pipe", TarConstants.LF_FIFO));
            t.closeArchiveEntry();
        }), Kind.SPECIAL_FILE, true);
    }

    @Test
    void bombsAndOversizedArchivesStopWhileUnpacking() throws Exception {
        Path bomb = zip("bomb.zip", z -> {
            ZipArchiveEntry e = new ZipArchiveEntry("zeros");
            z.putArchiveEntry(e);
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 40; i++) {
                z.write(zeros); // 40 MiB of zeros: some 40 KiB compressed
            }
            z.closeArchiveEntry();
        });
        assertRefused(bomb, Kind.TOO_LARGE, false, new ArchiveLimits(1000, 1L << 40, 100)); // the ratio
        assertRefused(bomb, Kind.TOO_LARGE, false, new ArchiveLimits(1000, 10L << 20, 1 << 20)); // the size
        assertRefused(zip("many.zip", z -> {
            for (int i = 0; i < 20; i++) {
                file(z, "f" + i, 0644, "x");
            }
        }), Kind.TOO_LARGE, false, new ArchiveLimits(10, 1L << 30, 1000));
    }

    @Test
    void truncatedOrForeignArchivesAreCorrupt() throws Exception {
        Path whole = tar("whole.tar.gz", true, t -> tarFile(t, "big", 0644, "y".repeat(200_000)));
        byte[] b = Files.readAllBytes(whole);
        Path cut = dir.resolve("cut.tar.gz");
        Files.write(cut, java.util.Arrays.copyOf(b, b.length / 2));
        assertRefused(cut, Kind.CORRUPT, true);
        Path text = dir.resolve("notes.zip");
        Files.writeString(text, "not a zip at all");
        assertRefused(text, Kind.CORRUPT, false);
    }

    // --- helpers: archives written with commons-compress, checks of what is left

    private void assertRefused(Path archive, Kind kind, boolean tar) throws IOException {
        assertRefused(archive, kind, tar, ROOMY);
    }

    private void assertRefused(Path archive, Kind kind, boolean tar, ArchiveLimits limits) throws IOException {
        Path dest = dir.resolve("dest-" + archive.getFileName());
        SafeUnpacker unpacker = new SafeUnpacker(limits);
        assertThatThrownBy(() -> {
            if (tar) {
                unpacker.unpackTar(archive, dest);
            } else {
                unpacker.unpackZip(archive, dest);
            }
        }).isInstanceOfSatisfying(ArchiveException.class, e -> assertThat(e.kind()).as(e.getMessage()).isEqualTo(kind));
        assertThat(dest).doesNotExist();
        assertThat(leftovers()).as("nothing left behind").noneMatch(n -> n.startsWith("dest-") || n.contains(".unpacking-"));
    }

    private List<String> leftovers() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".zip") || n.equals("app.zip"))
                    .filter(n -> !n.contains(".tar")).toList();
        }
    }

    @FunctionalInterface
    private interface ZipBody {
        void write(ZipArchiveOutputStream z) throws IOException;
    }

    @FunctionalInterface
    private interface TarBody {
        void write(TarArchiveOutputStream t) throws IOException;
    }

    private Path zip(String name, ZipBody body) throws IOException {
        Path p = dir.resolve(name);
        try (ZipArchiveOutputStream z = new ZipArchiveOutputStream(p)) {
            body.write(z);
        }
        return p;
    }

    private Path tar(String name, boolean gzip, TarBody body) throws IOException {
        Path p = dir.resolve(name);
        try (OutputStream raw = Files.newOutputStream(p);
                OutputStream out = gzip ? new GzipCompressorOutputStream(raw) : raw;
                TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            body.write(t);
        }
        return p;
    }

    private static void file(ZipArchiveOutputStream z, String name, int mode, String content) throws IOException {
        ZipArchiveEntry e = new ZipArchiveEntry(name);
        e.setUnixMode(0100000 | mode);
        z.putArchiveEntry(e);
        z.write(content.getBytes(StandardCharsets.UTF_8));
        z.closeArchiveEntry();
    }

    private static void directory(ZipArchiveOutputStream z, String name) throws IOException {
        ZipArchiveEntry e = new ZipArchiveEntry(name);
        e.setUnixMode(0040755);
        z.putArchiveEntry(e);
        z.closeArchiveEntry();
    }

    private static void symlink(ZipArchiveOutputStream z, String name, String target) throws IOException {
        ZipArchiveEntry e = new ZipArchiveEntry(name);
        e.setUnixMode(0120777);
        z.putArchiveEntry(e);
        z.write(target.getBytes(StandardCharsets.UTF_8));
        z.closeArchiveEntry();
    }

    private static void tarDir(TarArchiveOutputStream t, String name) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_DIR);
        e.setMode(040755);
        t.putArchiveEntry(e);
        t.closeArchiveEntry();
    }

    private static void tarFile(TarArchiveOutputStream t, String name, int mode, String content) throws IOException {
        byte[] b = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(0100000 | mode);
        e.setSize(b.length);
        t.putArchiveEntry(e);
        t.write(b);
        t.closeArchiveEntry();
    }

    private static void tarLink(TarArchiveOutputStream t, String name, byte type, String target) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, type);
        e.setLinkName(target);
        t.putArchiveEntry(e);
        t.closeArchiveEntry();
    }
}
