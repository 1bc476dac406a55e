package dev.berth.runtimes.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * An OCI image the tests build themselves around {@code agents/static-agent.c}, compiled here with
 * {@code gcc -static}: layer 1 (gzip) holds {@code /bin/agent} and a file layer 2 (zstd) whites
 * out; the config sets the entrypoint and {@code GREETING}; the index also lists an arm64 image, so
 * that platform selection is exercised. {@code padding} adds an incompressible layer of that many
 * bytes (for the deploy benchmark's 200 MB image).
 *
 * @param blobs every blob (layers, configs, manifests), index last
 */
public record AgentImage(List<Blob> blobs, Blob index, Blob amd64Manifest) {
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String GREETING = "hello from the image";

    /** A blob with its digest and media type. */
    public record Blob(String mediaType, byte[] bytes) {
        public String digest() {
            return "sha256:" + sha256(bytes);
        }

        ObjectNode descriptor() {
            ObjectNode d = JSON.createObjectNode();
            d.put("mediaType", mediaType);
            d.put("digest", digest());
            d.put("size", bytes.length);
            return d;
        }
    }

    public static AgentImage build(Path workDir, long padding) throws IOException {
        return build(workDir, padding, 42);
    }

    /** {@code seed} makes the padding: images of different seeds share no padding layer. */
    public static AgentImage build(Path workDir, long padding, long seed) throws IOException {
        byte[] agent = compileAgent(workDir);
        List<Blob> blobs = new ArrayList<>();
        Blob layer1 = new Blob("application/vnd.oci.image.layer.v1.tar+gzip", gzip(tar(t -> {
            dir(t, "bin/");
            file(t, "bin/agent", 0755, agent);
            dir(t, "etc/");
            file(t, "etc/passwd", 0644, "root:x:0:0:root:/root:/bin/agent\n".getBytes(StandardCharsets.UTF_8));
            file(t, "etc/removed-by-layer2", 0644, "gone in the next layer\n".getBytes(StandardCharsets.UTF_8));
            dir(t, "root/");
            dir(t, "tmp/");
        })));
        Blob layer2 = new Blob("application/vnd.oci.image.layer.v1.tar+zstd", zstd(tar(t -> {
            file(t, "etc/.wh.removed-by-layer2", 0644, new byte[0]);
            file(t, "etc/motd", 0644, "from layer 2\n".getBytes(StandardCharsets.UTF_8));
        })));
        List<Blob> layers = new ArrayList<>(List.of(layer1, layer2));
        if (padding > 0) {
            byte[] noise = new byte[(int) padding];
            new java.util.Random(seed).nextBytes(noise);
            layers.add(new Blob("application/vnd.oci.image.layer.v1.tar", tar(t -> file(t, "opt/padding.bin", 0644, noise))));
        }
        Blob amd64 = null;
        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", "application/vnd.oci.image.index.v1+json");
        ArrayNode manifests = index.putArray("manifests");
        for (String arch : List.of("arm64", "amd64")) {
            Blob config = config(arch, layers);
            ObjectNode m = JSON.createObjectNode();
            m.put("schemaVersion", 2);
            m.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
            m.set("config", config.descriptor());
            ArrayNode ls = m.putArray("layers");
            layers.forEach(l -> ls.add(l.descriptor()));
            Blob manifest = new Blob("application/vnd.oci.image.manifest.v1+json", JSON.writeValueAsBytes(m));
            ObjectNode d = manifest.descriptor();
            d.putObject("platform").put("os", "linux").put("architecture", arch);
            manifests.add(d);
            blobs.add(config);
            blobs.add(manifest);
            if (arch.equals("amd64")) {
                amd64 = manifest;
            }
        }
        blobs.addAll(0, layers);
        Blob idx = new Blob("application/vnd.oci.image.index.v1+json", JSON.writeValueAsBytes(index));
        blobs.add(idx);
        return new AgentImage(List.copyOf(blobs), idx, amd64);
    }

    /** Writes it as an OCI image layout, tagged {@code tag}; returns the directory. */
    public Path writeLayout(Path dir, String tag) throws IOException {
        Path sha = Files.createDirectories(dir.resolve("blobs/sha256"));
        for (Blob b : blobs) {
            Files.write(sha.resolve(b.digest().substring(7)), b.bytes());
        }
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        ObjectNode top = JSON.createObjectNode();
        top.put("schemaVersion", 2);
        ObjectNode d = index.descriptor();
        d.putObject("annotations").put("org.opencontainers.image.ref.name", tag);
        top.putArray("manifests").add(d);
        Files.write(dir.resolve("index.json"), JSON.writeValueAsBytes(top));
        return dir;
    }

    /** Pushes it to a registry as {@code repo:tag} (the index; its manifests by digest). */
    public void pushTo(RegistryUpload upload, String repo, String tag) throws IOException, InterruptedException {
        for (Blob b : blobs) {
            if (b == index) {
                upload.manifest(repo, tag, b.mediaType(), b.bytes());
            } else if (b.mediaType().endsWith("manifest.v1+json")) {
                upload.manifest(repo, b.digest(), b.mediaType(), b.bytes());
            } else {
                upload.blob(repo, b.digest(), b.bytes());
            }
        }
    }

    private static Blob config(String arch, List<Blob> layers) throws IOException {
        ObjectNode c = JSON.createObjectNode();
        c.put("architecture", arch);
        c.put("os", "linux");
        ObjectNode cfg = c.putObject("config");
        cfg.putArray("Entrypoint").add("/bin/agent");
        cfg.putArray("Env").add("PATH=/bin").add("GREETING=" + GREETING);
        cfg.put("WorkingDir", "/");
        ObjectNode rootfs = c.putObject("rootfs");
        rootfs.put("type", "layers");
        ArrayNode ids = rootfs.putArray("diff_ids");
        for (Blob l : layers) {
            ids.add("sha256:" + sha256(uncompressed(l)));
        }
        return new Blob("application/vnd.oci.image.config.v1+json", JSON.writeValueAsBytes(c));
    }

    private static byte[] uncompressed(Blob l) throws IOException {
        if (l.mediaType().endsWith("+gzip")) {
            try (InputStream in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(l.bytes()))) {
                return in.readAllBytes();
            }
        }
        if (l.mediaType().endsWith("+zstd")) {
            try (InputStream in = new com.github.luben.zstd.ZstdInputStream(new java.io.ByteArrayInputStream(l.bytes()))) {
                return in.readAllBytes();
            }
        }
        return l.bytes();
    }

    /** The agent binary, compiled once per work directory. */
    public static byte[] compileAgent(Path workDir) throws IOException {
        Path src = workDir.resolve("static-agent.c");
        Path bin = workDir.resolve("static-agent");
        if (!Files.exists(bin)) {
            Files.createDirectories(workDir);
            try (InputStream in = AgentImage.class.getResourceAsStream("/agents/static-agent.c")) {
                Files.write(src, in.readAllBytes());
            }
            Process p = new ProcessBuilder("gcc", "-static", "-O2", "-o", bin.toString(), src.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            try {
                if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    throw new IOException("gcc -static failed: " + out);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }
        return Files.readAllBytes(bin);
    }

    @FunctionalInterface
    private interface TarBody {
        void write(TarArchiveOutputStream t) throws IOException;
    }

    private static byte[] tar(TarBody body) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            body.write(t);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    private static void dir(TarArchiveOutputStream t, String name) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_DIR);
        e.setMode(040755);
        t.putArchiveEntry(e);
        t.closeArchiveEntry();
    }

    private static void file(TarArchiveOutputStream t, String name, int mode, byte[] content) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(0100000 | mode);
        e.setSize(content.length);
        t.putArchiveEntry(e);
        t.write(content);
        t.closeArchiveEntry();
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(b)) {
            out.write(data);
        }
        return b.toByteArray();
    }

    private static byte[] zstd(byte[] data) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (OutputStream out = new ZstdOutputStream(b)) {
            out.write(data);
        }
        return b.toByteArray();
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
