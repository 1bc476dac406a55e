package dev.berth.runtimes.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/**
 * Images the tests build byte by byte: layer tars (plain, gzip, zstd), configs, manifests and
 * indexes, written out as an OCI layout or a docker archive, or pushed to a registry.
 */
final class TestImage {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Some bytes with the media type they are served as. */
    record Blob(String mediaType, byte[] bytes) {
        Digest digest() {
            return Digest.of(bytes);
        }

        long size() {
            return bytes.length;
        }

        ObjectNode descriptor() {
            ObjectNode d = JSON.createObjectNode();
            d.put("mediaType", mediaType);
            d.put("digest", digest().toString());
            d.put("size", size());
            return d;
        }
    }

    /** An image: its manifest, config and layers (with each layer's uncompressed tar, for diff_ids). */
    record Image(Blob manifest, Blob config, List<Blob> layers, List<byte[]> tars) {
        List<Blob> blobs() {
            List<Blob> all = new ArrayList<>(layers);
            all.add(config);
            all.add(manifest);
            return all;
        }
    }

    private TestImage() {}

    /** A layer tar: names ending in / are directories, others files with the given text. */
    static byte[] tar(Map<String, String> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(bytes)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Map.Entry<String, String> e : entries.entrySet()) {
                if (e.getKey().endsWith("/")) {
                    TarArchiveEntry d = new TarArchiveEntry(e.getKey(), TarConstants.LF_DIR);
                    d.setMode(040755);
                    t.putArchiveEntry(d);
                } else {
                    byte[] content = e.getValue().getBytes(StandardCharsets.UTF_8);
                    TarArchiveEntry f = new TarArchiveEntry(e.getKey());
                    f.setMode(e.getKey().startsWith("bin/") ? 0100755 : 0100644);
                    f.setSize(content.length);
                    t.putArchiveEntry(f);
                    t.write(content);
                }
                t.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static Map<String, String> files(String... nameThenContent) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < nameThenContent.length; i += 2) {
            m.put(nameThenContent[i], nameThenContent[i + 1]);
        }
        return m;
    }

    static byte[] gzip(byte[] data) {
        return compress(data, true);
    }

    static byte[] zstd(byte[] data) {
        return compress(data, false);
    }

    private static byte[] compress(byte[] data, boolean gzip) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = gzip ? new GzipCompressorOutputStream(bytes) : new ZstdOutputStream(bytes)) {
            out.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static Blob json(String mediaType, ObjectNode node) {
        try {
            return new Blob(mediaType, JSON.writeValueAsBytes(node));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A config blob for {@code arch} that runs {@code /bin/tool --serve} in /app as user 1000. */
    static Blob config(String arch, List<byte[]> tars) {
        ObjectNode c = JSON.createObjectNode();
        c.put("architecture", arch);
        c.put("os", "linux");
        ObjectNode run = c.putObject("config");
        run.putArray("Entrypoint").add("/bin/tool");
        run.putArray("Cmd").add("--serve");
        run.putArray("Env").add("PATH=/usr/local/bin:/usr/bin:/bin").add("MODE=test");
        run.put("WorkingDir", "/app");
        run.put("User", "1000");
        ObjectNode rootfs = c.putObject("rootfs");
        rootfs.put("type", "layers");
        ArrayNode ids = rootfs.putArray("diff_ids");
        tars.forEach(t -> ids.add(Digest.of(t).toString()));
        return json(MediaTypes.OCI_CONFIG, c);
    }

    static Blob manifest(String mediaType, Blob config, List<Blob> layers) {
        ObjectNode m = JSON.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", mediaType);
        m.set("config", config.descriptor());
        ArrayNode ls = m.putArray("layers");
        layers.forEach(l -> ls.add(l.descriptor()));
        return json(mediaType, m);
    }

    /** An index of the given manifests, each for its platform ("linux/arm64"). */
    static Blob index(Map<String, Blob> byPlatform) {
        ObjectNode i = JSON.createObjectNode();
        i.put("schemaVersion", 2);
        i.put("mediaType", MediaTypes.OCI_INDEX);
        ArrayNode ms = i.putArray("manifests");
        byPlatform.forEach((platform, m) -> {
            ObjectNode d = m.descriptor();
            String[] p = platform.split("/");
            ObjectNode pl = d.putObject("platform");
            pl.put("os", p[0]);
            pl.put("architecture", p[1]);
            ms.add(d);
        });
        return json(MediaTypes.OCI_INDEX, i);
    }

    /**
     * The three-layer amd64 image most tests use: a gzip base, a plain layer that whites out
     * app/old.txt and adds app/new.txt, and a zstd layer that replaces etc/hello.txt.
     */
    static Image sample() {
        byte[] base = tar(files("etc/", "", "etc/hello.txt", "hello", "etc/arch", "amd64", "app/", "",
                "app/old.txt", "old", "app/keep.txt", "keep", "bin/", "", "bin/tool", "#!/bin/sh\necho tool\n"));
        byte[] second = tar(files("app/.wh.old.txt", "", "app/new.txt", "new"));
        byte[] third = tar(files("etc/hello.txt", "hello from layer 3"));
        return image("amd64", MediaTypes.OCI_MANIFEST, List.of(
                new Blob(MediaTypes.OCI_LAYER_GZIP, gzip(base)),
                new Blob(MediaTypes.OCI_LAYER, second),
                new Blob(MediaTypes.OCI_LAYER_ZSTD, zstd(third))), List.of(base, second, third));
    }

    /** A one-layer image for another architecture, its etc/arch saying which. */
    static Image other(String arch) {
        byte[] only = tar(files("etc/", "", "etc/arch", arch));
        return image(arch, MediaTypes.OCI_MANIFEST, List.of(new Blob(MediaTypes.OCI_LAYER_GZIP, gzip(only))), List.of(only));
    }

    static Image image(String arch, String manifestType, List<Blob> layers, List<byte[]> tars) {
        Blob config = config(arch, tars);
        return new Image(manifest(manifestType, config, layers), config, layers, tars);
    }

    /** Writes an OCI layout: the blobs, and index.json naming each top blob by its tag. */
    static Path writeLayout(Path dir, Map<String, Blob> byTag, List<Blob> blobs) throws IOException {
        Files.createDirectories(dir.resolve("blobs/sha256"));
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        for (Blob b : blobs) {
            Files.write(dir.resolve("blobs/sha256").resolve(b.digest().hex()), b.bytes());
        }
        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", MediaTypes.OCI_INDEX);
        ArrayNode ms = index.putArray("manifests");
        byTag.forEach((tag, top) -> {
            ObjectNode d = top.descriptor();
            d.putObject("annotations").put(OciLayoutSource.REF_NAME, tag);
            ms.add(d);
        });
        Files.write(dir.resolve("index.json"), JSON.writeValueAsBytes(index));
        return dir;
    }

    /** A tar of named files, for docker archives. */
    static void writeTar(Path file, Map<String, byte[]> entries) throws IOException {
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(Files.newOutputStream(file))) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                TarArchiveEntry f = new TarArchiveEntry(e.getKey());
                f.setSize(e.getValue().length);
                t.putArchiveEntry(f);
                t.write(e.getValue());
                t.closeArchiveEntry();
            }
        }
    }

    /**
     * {@code docker save} as docker before 25 wrote it: {@code HEX.json} config, uncompressed
     * {@code ID/layer.tar} layers, manifest.json last.
     */
    static Path writeLegacyDockerArchive(Path file, Image image) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        ArrayNode layers = JSON.createArrayNode();
        for (int i = 0; i < image.tars().size(); i++) {
            String name = "layer" + i + "id/layer.tar"; // a v1 layer id, not a digest
            entries.put(name, image.tars().get(i));
            layers.add(name);
        }
        String configName = image.config().digest().hex() + ".json";
        entries.put(configName, image.config().bytes());
        entries.put("manifest.json", dockerManifest(configName, layers));
        writeTar(file, entries);
        return file;
    }

    /** {@code docker save} as docker 25+ writes it: every file under {@code blobs/sha256/}, as stored. */
    static Path writeDockerArchive(Path file, Image image) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        ArrayNode layers = JSON.createArrayNode();
        for (Blob l : image.layers()) {
            entries.put("blobs/sha256/" + l.digest().hex(), l.bytes());
            layers.add("blobs/sha256/" + l.digest().hex());
        }
        String configName = "blobs/sha256/" + image.config().digest().hex();
        entries.put(configName, image.config().bytes());
        entries.put("manifest.json", dockerManifest(configName, layers));
        writeTar(file, entries);
        return file;
    }

    static byte[] dockerManifest(String configName, ArrayNode layers) throws IOException {
        ArrayNode manifest = JSON.createArrayNode();
        ObjectNode image = manifest.addObject();
        image.put("Config", configName);
        image.putArray("RepoTags").add("sample:latest");
        image.set("Layers", layers);
        return JSON.writeValueAsBytes(manifest);
    }
}
