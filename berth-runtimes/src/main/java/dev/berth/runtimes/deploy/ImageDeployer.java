package dev.berth.runtimes.deploy;

import dev.berth.runtimes.archive.ArchiveException;
import dev.berth.runtimes.archive.ArchiveLimits;
import dev.berth.runtimes.archive.IdShift;
import dev.berth.runtimes.archive.SafeUnpacker;
import dev.berth.runtimes.image.BlobStore;
import dev.berth.runtimes.image.Credentials;
import dev.berth.runtimes.image.FetchOptions;
import dev.berth.runtimes.image.ImageConfig;
import dev.berth.runtimes.image.ImageException;
import dev.berth.runtimes.image.ImageFetcher;
import dev.berth.runtimes.image.ImageRef;
import dev.berth.runtimes.image.PulledImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An OCI image made into a runtime: pulled into the blob store (verified), its layers unpacked
 * once per manifest digest into a shared tree owned by the sandboxes' ids; a second deploy of the
 * same image reuses both.
 */
public final class ImageDeployer implements AutoCloseable {
    private final RootfsStore store;
    private final BlobStore blobs;
    private final ArchiveLimits limits;
    private final IdShift ids;
    private final FetchOptions options;
    /** Made at the first deploy (not at every server start), then kept: its registry tokens are reused. */
    private ImageFetcher fetcher;

    public ImageDeployer(RootfsStore store, BlobStore blobs, ArchiveLimits limits, IdShift ids, FetchOptions options) {
        this.store = store;
        this.blobs = blobs;
        this.limits = limits;
        this.ids = ids;
        this.options = options;
    }

    private synchronized ImageFetcher fetcher() {
        if (fetcher == null) {
            fetcher = new ImageFetcher(options);
        }
        return fetcher;
    }

    public RuntimeSpec deploy(String reference, boolean insecure, Credentials credentials) throws DeployException, IOException {
        return deploy(reference, insecure, credentials, true);
    }

    /**
     * @param needsEntrypoint false for an image that a harness runs in: its entrypoint is not started, so
     *     an image without one is fine
     */
    public RuntimeSpec deploy(String reference, boolean insecure, Credentials credentials, boolean needsEntrypoint)
            throws DeployException, IOException {
        PulledImage image;
        try {
            ImageRef ref = ImageRef.parse(reference);
            if (insecure && ref.host() != null) {
                // plain HTTP for this one pull: a fetcher of its own, not the shared one
                try (ImageFetcher plain = new ImageFetcher(options.withInsecureHosts(Set.of(ref.host())))) {
                    image = plain.fetch(ref, blobs, credentials);
                }
            } else {
                image = fetcher().fetch(ref, blobs, credentials);
            }
        } catch (ImageException e) {
            throw new DeployException(e);
        }
        String id = "img-" + image.manifestDigest().hex();
        Path tree = store.tree(id);
        if (!store.contains(id)) {
            Path staging = store.newStaging();
            try {
                new SafeUnpacker(limits, ids).unpackLayers(image.layers(), staging.resolve("tree"));
                store.commit(staging.resolve("tree"), id);
            } catch (ArchiveException e) {
                throw new DeployException(e);
            } finally {
                store.abandon(staging);
            }
        }
        ImageConfig c = image.config();
        List<String> argv = new ArrayList<>(c.entrypoint());
        argv.addAll(c.cmd());
        if (argv.isEmpty() && needsEntrypoint) {
            throw new DeployException(DeployException.NO_ENTRYPOINT, "the image has neither Entrypoint nor Cmd");
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        for (String kv : c.env()) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                env.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        env.putIfAbsent("PORT", Integer.toString(RuntimeSpec.AGENT_PORT));
        String cwd = c.workingDir() == null || c.workingDir().isEmpty() ? "/" : c.workingDir();
        return new RuntimeSpec("image", reference, image.manifestDigest().toString(), id, false, argv, env, cwd,
                RuntimeSpec.AGENT_PORT, RootfsStore.size(tree), c.user() == null || c.user().isEmpty() ? null : c.user());
    }

    @Override
    public synchronized void close() {
        if (fetcher != null) {
            fetcher.close();
        }
    }
}
