package dev.berth.runtimes.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.runtimes.image.ImageException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * A {@code docker save} archive: a tar whose {@code manifest.json} names a config file and layer
 * tars inside it. It has no registry manifest, so this source writes the OCI manifest the image
 * would have, and the pull verifies the archive's files against it: a file named by its digest
 * ({@code blobs/sha256/HEX}, {@code HEX.json}) must have that digest, and an uncompressed layer
 * of an older archive ({@code ID/layer.tar}) must have its config's {@code rootfs.diff_ids} entry.
 * Only a compressed layer under another name (no docker version writes one) has nothing to be
 * checked against.
 */
final class DockerArchiveSource implements ManifestSource {
    private static final Pattern BY_DIGEST = Pattern.compile("(?:blobs/sha256/)?([0-9a-f]{64})(?:\\.json)?");
    private static final Pattern BLOB = Pattern.compile("blobs/sha256/([0-9a-f]{64})");
    private static final int MAX_LINK_HOPS = 8;

    /** Where a file's bytes are in the archive. */
    private record Region(long offset, long size) {}

    private final ImageRef.DockerArchive ref;
    private final Path file;
    private final Map<Digest, Region> regions = new HashMap<>();
    private final Document manifest;

    DockerArchiveSource(ImageRef.DockerArchive ref) throws ImageException, IOException {
        this.ref = ref;
        this.file = ref.file();
        if (!Files.isRegularFile(file)) {
            throw new ImageException(Kind.NOT_FOUND, ref + ": no such file");
        }
        Map<String, TarArchiveEntry> entries = new HashMap<>();
        try (TarFile tar = new TarFile(file)) {
            for (TarArchiveEntry e : tar.getEntries()) {
                entries.put(normal(e.getName()), e);
            }
        } catch (IOException | RuntimeException e) {
            throw new ImageException(Kind.INVALID_MANIFEST, ref + " is not a readable tar archive", e);
        }
        if (!entries.containsKey("manifest.json")) {
            throw new ImageException(Kind.INVALID_MANIFEST, ref + " is not a docker save archive (no manifest.json)");
        }
        JsonNode images;
        Region manifestJson = region(entries, "manifest.json");
        if (manifestJson.size() > ManifestDoc.MAX_BYTES) {
            throw new ImageException(Kind.TOO_LARGE, ref + ": manifest.json is larger than " + ManifestDoc.MAX_BYTES);
        }
        try {
            images = Json.MAPPER.readTree(bytes(manifestJson));
        } catch (IOException e) {
            throw new ImageException(Kind.INVALID_MANIFEST, ref + ": manifest.json is not valid JSON", e);
        }
        if (!images.isArray() || images.size() != 1) {
            throw new ImageException(Kind.UNSUPPORTED, ref + ": an archive of exactly one image is supported, this has "
                    + (images.isArray() ? images.size() : "none"));
        }
        JsonNode image = images.get(0);
        String configName = Json.text(image, "Config");
        if (configName == null) {
            throw new ImageException(Kind.INVALID_MANIFEST, ref + ": manifest.json names no Config");
        }
        Region configRegion = region(entries, configName);
        if (configRegion.size() > ImageConfig.MAX_BYTES) {
            throw new ImageException(Kind.TOO_LARGE, ref + ": its config is larger than " + ImageConfig.MAX_BYTES + " bytes");
        }
        byte[] configBytes = bytes(configRegion);
        Matcher named = BY_DIGEST.matcher(normal(configName));
        Digest configDigest = named.matches() ? new Digest(named.group(1)) : Digest.of(configBytes);
        regions.put(configDigest, configRegion);
        List<String> diffIds = ImageConfig.diffIds(configBytes);

        ObjectNode doc = Json.MAPPER.createObjectNode();
        doc.put("schemaVersion", 2);
        doc.put("mediaType", MediaTypes.OCI_MANIFEST);
        doc.set("config", descriptor(MediaTypes.OCI_CONFIG, configDigest, configRegion.size()));
        ArrayNode layers = doc.putArray("layers");
        List<String> layerNames = Json.strings(image, "Layers");
        for (int i = 0; i < layerNames.size(); i++) {
            Region layer = region(entries, layerNames.get(i));
            String mediaType = mediaType(layer);
            Matcher blob = BLOB.matcher(normal(layerNames.get(i)));
            Digest digest;
            if (blob.matches()) {
                digest = new Digest(blob.group(1));
            } else if (mediaType.equals(MediaTypes.OCI_LAYER) && i < diffIds.size()) {
                digest = Digest.parse(diffIds.get(i)); // an uncompressed layer's digest is its diff_id
            } else {
                digest = hash(layer);
            }
            regions.put(digest, layer);
            layers.add(descriptor(mediaType, digest, layer.size()));
        }
        byte[] bytes = Json.MAPPER.writeValueAsBytes(doc);
        this.manifest = new Document(bytes, MediaTypes.OCI_MANIFEST, Digest.of(bytes));
    }

    @Override
    public String name() {
        return ref.toString();
    }

    @Override
    public Document root() {
        return manifest;
    }

    @Override
    public InputStream open(Descriptor d, boolean isManifest) throws ImageException, IOException {
        Region r = regions.get(d.digest());
        if (r == null) {
            throw new ImageException(Kind.NOT_FOUND, name() + ": holds no blob " + d.digest());
        }
        return new RegionStream(FileChannel.open(file, StandardOpenOption.READ), r);
    }

    private static ObjectNode descriptor(String mediaType, Digest digest, long size) {
        ObjectNode d = Json.MAPPER.createObjectNode();
        d.put("mediaType", mediaType);
        d.put("digest", digest.toString());
        d.put("size", size);
        return d;
    }

    /** The file a name means, following the links older docker versions use for shared layers. */
    private Region region(Map<String, TarArchiveEntry> entries, String entryName) throws ImageException {
        String n = normal(entryName);
        for (int hop = 0; hop <= MAX_LINK_HOPS; hop++) {
            TarArchiveEntry e = entries.get(n);
            if (e == null) {
                throw new ImageException(Kind.INVALID_MANIFEST, name() + ": manifest.json names " + entryName
                        + ", which the archive does not hold");
            }
            if (e.isSymbolicLink()) {
                String target = e.getLinkName();
                Path parent = Path.of(n).getParent();
                n = normal(target.startsWith("/") || parent == null ? target : parent.resolve(target).toString());
            } else if (e.isLink()) {
                n = normal(e.getLinkName());
            } else if (e.isFile() && !e.isSparse()) {
                return new Region(e.getDataOffset(), e.getSize());
            } else {
                throw new ImageException(Kind.INVALID_MANIFEST, name() + ": " + entryName + " is not a plain file");
            }
        }
        throw new ImageException(Kind.INVALID_MANIFEST, name() + ": " + entryName + " is a chain of too many links");
    }

    private static String normal(String name) {
        String n = Path.of("/").resolve(name).normalize().toString(); // "./a", "a/../b", "/a" all to one form
        return n.substring(1);
    }

    private String mediaType(Region r) throws IOException {
        byte[] m;
        try (InputStream in = new RegionStream(FileChannel.open(file, StandardOpenOption.READ), r)) {
            m = in.readNBytes(4);
        }
        if (m.length >= 2 && (m[0] & 0xff) == 0x1f && (m[1] & 0xff) == 0x8b) {
            return MediaTypes.OCI_LAYER_GZIP;
        }
        if (m.length == 4 && (m[0] & 0xff) == 0x28 && (m[1] & 0xff) == 0xb5 && (m[2] & 0xff) == 0x2f
                && (m[3] & 0xff) == 0xfd) {
            return MediaTypes.OCI_LAYER_ZSTD;
        }
        return MediaTypes.OCI_LAYER;
    }

    private byte[] bytes(Region r) throws IOException {
        try (InputStream in = new RegionStream(FileChannel.open(file, StandardOpenOption.READ), r)) {
            return in.readAllBytes();
        }
    }

    private Digest hash(Region r) throws IOException {
        MessageDigest sha = Digest.sha256();
        try (InputStream in = new RegionStream(FileChannel.open(file, StandardOpenOption.READ), r)) {
            byte[] buf = new byte[256 << 10];
            for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
            }
        }
        return new Digest(HexFormat.of().formatHex(sha.digest()));
    }

    /** One file's bytes in the archive, read by position so that several can be read at once. */
    private static final class RegionStream extends InputStream {
        private final FileChannel channel;
        private long position;
        private final long end;

        RegionStream(FileChannel channel, Region r) {
            this.channel = channel;
            this.position = r.offset();
            this.end = r.offset() + r.size();
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (position >= end) {
                return -1;
            }
            int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, end - position)), position);
            if (n > 0) {
                position += n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
