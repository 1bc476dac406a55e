package dev.berth.runtimes.image;

import dev.berth.runtimes.image.BlobStore.Stored;
import dev.berth.runtimes.image.ImageException.Kind;
import dev.berth.runtimes.image.ManifestDoc.Index;
import dev.berth.runtimes.image.ManifestDoc.Manifest;
import dev.berth.runtimes.image.ManifestSource.Document;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The pull itself, the same for every source: resolve an index to this platform's manifest, refuse
 * an image too large from its descriptors alone, then fetch the config and the layers (several at
 * once) into the blob store, each checked against its descriptor's digest and size.
 */
final class Puller {
    /** An index may name an index (an OCI layout's index.json names the image's own index). */
    private static final int MAX_INDEX_DEPTH = 2;

    private final FetchOptions options;

    Puller(FetchOptions options) {
        this.options = options;
    }

    PulledImage pull(ManifestSource source, BlobStore store) throws ImageException, IOException {
        Document doc = source.root();
        ManifestDoc parsed = ManifestDoc.parse(doc.bytes(), doc.mediaType());
        for (int depth = 0; parsed instanceof Index index; depth++) {
            if (depth == MAX_INDEX_DEPTH) {
                throw new ImageException(Kind.UNSUPPORTED, source.name() + ": image indexes nested too deep");
            }
            Descriptor chosen = index.select(options.platform());
            doc = manifest(source, chosen);
            parsed = ManifestDoc.parse(doc.bytes(), chosen.mediaType());
        }
        Manifest manifest = (Manifest) parsed;
        long total = manifest.totalSize();
        if (total > options.maxImageBytes()) {
            throw new ImageException(Kind.TOO_LARGE, source.name() + " is " + total + " bytes, more than the "
                    + options.maxImageBytes() + " allowed");
        }
        if (manifest.config().size() > ImageConfig.MAX_BYTES) {
            throw new ImageException(Kind.TOO_LARGE, source.name() + ": its config is larger than "
                    + ImageConfig.MAX_BYTES + " bytes");
        }
        long written = 0;
        Stored config = blob(source, store, manifest.config(), "the image config");
        written += config.written() ? config.size() : 0;
        ImageConfig runConfig = ImageConfig.parse(Files.readAllBytes(config.path()), options.platform());
        List<Stored> layers = layers(source, store, manifest.layers());
        for (Stored l : layers.stream().distinct().toList()) {
            written += l.written() ? l.size() : 0;
        }
        // last, so that a stored manifest means a complete image
        Stored m = store.put(new ByteArrayInputStream(doc.bytes()), doc.digest(), doc.bytes().length, "the manifest");
        written += m.written() ? m.size() : 0;
        return new PulledImage(doc.digest(), runConfig, layers.stream().map(Stored::path).toList(), total, written);
    }

    /** A manifest an index names, read whole and checked against the index's descriptor. */
    static Document manifest(ManifestSource source, Descriptor d) throws ImageException, IOException {
        if (d.size() > ManifestDoc.MAX_BYTES) {
            throw new ImageException(Kind.TOO_LARGE, source.name() + ": manifest " + d.digest() + " is larger than "
                    + ManifestDoc.MAX_BYTES + " bytes");
        }
        byte[] bytes;
        try (InputStream in = source.open(d, true)) {
            bytes = readUpTo(in, d.size() + 1, "manifest " + d.digest());
        }
        if (bytes.length > d.size()) {
            throw new ImageException(Kind.DIGEST_MISMATCH, source.name() + ": manifest " + d.digest()
                    + " is larger than its descriptor says");
        }
        if (bytes.length < d.size()) {
            throw new ImageException(Kind.TRUNCATED, source.name() + ": manifest " + d.digest() + " ended after " + bytes.length + " of "
                    + d.size() + " bytes");
        }
        Digest actual = Digest.of(bytes);
        if (!actual.equals(d.digest())) {
            throw new ImageException(Kind.DIGEST_MISMATCH, source.name() + ": manifest " + d.digest() + " has digest "
                    + actual);
        }
        return new Document(bytes, d.mediaType(), actual);
    }

    /** Reads at most {@code max} bytes; a stream that breaks off is TRUNCATED. */
    static byte[] readUpTo(InputStream in, long max, String what) throws ImageException {
        try {
            return in.readNBytes((int) Math.min(max, Integer.MAX_VALUE - 8));
        } catch (IOException e) {
            throw new ImageException(Kind.TRUNCATED, what + " broke off (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    /** A blob from the store if it is there, else from the source, verified on the way in. */
    private static Stored blob(ManifestSource source, BlobStore store, Descriptor d, String what)
            throws ImageException, IOException {
        Path existing = store.existing(d.digest(), d.size());
        if (existing != null) {
            return new Stored(d.digest(), existing, d.size(), false);
        }
        try (InputStream in = source.open(d, false)) {
            return store.put(in, d.digest(), d.size(), what);
        }
    }

    /**
     * All layers, in manifest order, several downloading at once; the first failure cancels the
     * others, and returns only when they have stopped (and so removed their partial files).
     */
    private List<Stored> layers(ManifestSource source, BlobStore store, List<Descriptor> layers)
            throws ImageException, IOException {
        Map<Digest, Integer> first = new LinkedHashMap<>(); // a layer listed twice is fetched once
        for (int i = 0; i < layers.size(); i++) {
            first.putIfAbsent(layers.get(i).digest(), i);
        }
        Map<Digest, Stored> done = new HashMap<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(options.parallelDownloads(), Thread.ofVirtual()
                .name("image-layer-", 0).factory())) {
            CompletionService<Stored> downloads = new ExecutorCompletionService<>(pool);
            List<Future<Stored>> futures = new ArrayList<>();
            for (int i : first.values()) {
                Descriptor d = layers.get(i);
                String what = "layer " + (i + 1) + " of " + layers.size() + " (" + d.digest() + ")";
                futures.add(downloads.submit(() -> blob(source, store, d, what)));
            }
            try {
                for (int n = 0; n < futures.size(); n++) {
                    Stored s = downloads.take().get();
                    done.put(s.digest(), s);
                }
            } catch (ExecutionException e) {
                futures.forEach(f -> f.cancel(true));
                switch (e.getCause()) {
                    case ImageException ie -> throw ie;
                    case IOException io -> throw io;
                    case RuntimeException re -> throw re;
                    default -> throw new IOException(e.getCause());
                }
            } catch (InterruptedException e) {
                futures.forEach(f -> f.cancel(true));
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("image pull interrupted");
            }
        }
        return layers.stream().map(d -> done.get(d.digest())).toList();
    }
}
