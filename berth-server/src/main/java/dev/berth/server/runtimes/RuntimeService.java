package dev.berth.server.runtimes;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.DeployImageRequest;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.HarnessInfo;
import dev.berth.api.model.RuntimeInfo;
import dev.berth.api.model.SessionState;
import dev.berth.runtimes.archive.ArchiveLimits;
import dev.berth.runtimes.archive.IdShift;
import dev.berth.runtimes.deploy.DeployException;
import dev.berth.runtimes.deploy.HarnessDeployer;
import dev.berth.runtimes.deploy.ImageDeployer;
import dev.berth.runtimes.deploy.RootfsStore;
import dev.berth.runtimes.deploy.RuntimeSpec;
import dev.berth.runtimes.deploy.ZipDeployer;
import dev.berth.runtimes.image.BlobStore;
import dev.berth.runtimes.image.Credentials;
import dev.berth.runtimes.image.DockerConfig;
import dev.berth.runtimes.image.FetchOptions;
import dev.berth.sandbox.spi.IdRange;
import dev.berth.sandbox.spi.RootFs;
import dev.berth.server.config.RuntimePolicy;
import dev.berth.server.store.RuntimeRecord;
import dev.berth.server.store.SessionRecord;
import dev.berth.server.store.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Deployed runtimes: deploy (an image or a project zip), list, show, remove, and what a session of
 * one is made of. Each deploy is a new immutable version; root filesystems are stored once per
 * content and removed when no version uses them any more.
 */
public final class RuntimeService implements AutoCloseable {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    private static final System.Logger LOG = System.getLogger(RuntimeService.class.getName());

    private final Store store;
    private final Clock clock;
    private final RootfsStore rootfs;
    private final ZipDeployer zips;
    private final ImageDeployer images;
    private final HarnessDeployer harnesses;
    private final Path dockerConfig;
    private final Path uploads;
    private final RuntimePolicy policy;

    public RuntimeService(Path dir, RuntimePolicy policy, Store store, IdRange ids, Path dockerConfig, Clock clock)
            throws IOException {
        this.store = store;
        this.clock = clock;
        this.policy = policy;
        this.dockerConfig = dockerConfig;
        this.rootfs = new RootfsStore(dir);
        this.uploads = Files.createDirectories(dir.resolve("uploads"));
        IdShift shift = new IdShift(ids.hostBase(), ids.count());
        Path npmCache = Files.createDirectories(dir.resolve("npm-cache"));
        this.zips = new ZipDeployer(rootfs, new ArchiveLimits(200_000, policy.maxZipUnpackedBytes(), 200), shift, npmCache);
        this.harnesses = new HarnessDeployer(rootfs, shift, npmCache);
        this.images = new ImageDeployer(rootfs, new BlobStore(Files.createDirectories(dir.resolve("blobs"))),
                new ArchiveLimits(2_000_000, policy.maxImageUnpackedBytes(), 500), shift,
                FetchOptions.DEFAULTS.withMaxImageBytes(policy.maxImageBytes()));
    }

    public RuntimePolicy policy() {
        return policy;
    }

    /** A place for an upload on the same file system as the store (deleted by the caller). */
    public Path newUpload() throws IOException {
        return Files.createTempFile(uploads, "upload-", ".zip");
    }

    /** @param filename what the client called the zip (for the record); the upload's own name if absent */
    public RuntimeInfo deployZip(String name, Path zip, String filename, String lang, String entrypoint) {
        return deployZip(name, zip, filename, lang, entrypoint, null, null, null);
    }

    /**
     * A zip, as an agent runtime or (with {@code harness}, which must then be {@code custom}) as a custom
     * harness whose command defaults to the zip's entrypoint.
     */
    public RuntimeInfo deployZip(String name, Path zip, String filename, String lang, String entrypoint, String harness,
            String model, String command) {
        checkName(name);
        try {
            String shown = filename == null || filename.isBlank() ? zip.getFileName().toString()
                    : Path.of(filename).getFileName().toString();
            if (harness != null && !harness.isBlank()) {
                HarnessDeployer.checkForZip(harness.strip()); // refused before the upload is unpacked
            }
            RuntimeSpec spec = zips.deploy(zip, shown, ZipDeployer.Lang.parse(lang), blankToNull(entrypoint));
            if (harness != null && !harness.isBlank()) {
                spec = HarnessDeployer.onZip(spec, harness.strip(), blankToNull(model), blankToNull(command));
            }
            return info(store.insertRuntime(name, clock.instant(), spec), Map.of()); // new: no session has it yet
        } catch (DeployException e) {
            throw refused(e);
        } catch (IOException e) {
            throw new UncheckedIOException("deploy " + name, e);
        }
    }

    public RuntimeInfo deployImage(String name, DeployImageRequest request) {
        checkName(name);
        if (request.harness() != null && !request.harness().isBlank()) {
            return deployHarness(name, request);
        }
        if (request.image() == null || request.image().isBlank()) {
            throw new ApiException(ErrorCode.MISSING_FIELD, "image is required");
        }
        try {
            RuntimeSpec spec = images.deploy(request.image().strip(), Boolean.TRUE.equals(request.insecure()), credentials());
            return info(store.insertRuntime(name, clock.instant(), spec), Map.of()); // new: no session has it yet
        } catch (DeployException e) {
            throw refused(e);
        } catch (IOException e) {
            throw new UncheckedIOException("deploy " + name, e);
        }
    }

    /**
     * A harness: installed by Berth from npm (or, for {@code custom}, a bare tree on the host's system), or
     * from an image that has its CLI.
     */
    public RuntimeInfo deployHarness(String name, DeployImageRequest request) {
        checkName(name);
        String harness = request.harness() == null ? null : request.harness().strip();
        String model = blankToNull(request.model());
        String command = blankToNull(request.command());
        try {
            RuntimeSpec spec;
            if (request.image() == null || request.image().isBlank()) {
                spec = harnesses.deploy(harness, model, command);
            } else {
                HarnessDeployer.check(harness, command); // refused before any pull
                RuntimeSpec image = images.deploy(request.image().strip(), Boolean.TRUE.equals(request.insecure()), credentials(),
                        false);
                spec = HarnessDeployer.onImage(image, harness, model, command);
            }
            return info(store.insertRuntime(name, clock.instant(), spec), Map.of()); // new: no session has it yet
        } catch (DeployException e) {
            throw refused(e);
        } catch (IOException e) {
            throw new UncheckedIOException("deploy " + name, e);
        }
    }

    /** Registry logins from a docker config file; none if there is none. Never put in a sandbox. */
    private Credentials credentials() throws IOException {
        if (dockerConfig == null || !Files.isRegularFile(dockerConfig)) {
            return Credentials.none();
        }
        return DockerConfig.load(dockerConfig);
    }

    public List<RuntimeInfo> list() {
        Map<String, Long> sessions = sessionsByRuntime();
        return store.runtimes().stream().map(r -> info(r, sessions)).toList();
    }

    public RuntimeInfo get(String name, Integer version) {
        return info(record(name, version), sessionsByRuntime());
    }

    /** {@code NAME} (its newest version) or {@code NAME@VERSION}. */
    public RuntimeRecord resolve(String ref) {
        int at = ref.lastIndexOf('@');
        if (at < 0) {
            return record(ref, null);
        }
        try {
            return record(ref.substring(0, at), Integer.parseInt(ref.substring(at + 1)));
        } catch (NumberFormatException e) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "runtime must be NAME or NAME@VERSION: " + ref);
        }
    }

    public RuntimeRecord record(String name, Integer version) {
        checkName(name);
        return store.runtime(name, version).orElseThrow(() -> new ApiException(ErrorCode.RUNTIME_NOT_FOUND,
                "no runtime " + name + (version == null ? "" : " version " + version)));
    }

    /** Removes a version (or all of them); refused while sessions made from it still exist. */
    public int delete(String name, Integer version) {
        record(name, version); // not found is an error, not a silent no-op
        List<String> users = store.sessions().stream()
                .filter(s -> s.runtime() != null && s.state() != SessionState.EXPIRED)
                .filter(s -> RuntimeRecord.nameOf(s.runtime()).equals(name)
                        && (version == null || RuntimeRecord.versionOf(s.runtime()) == version))
                .map(SessionRecord::id).toList();
        if (!users.isEmpty()) {
            throw new ApiException(ErrorCode.RUNTIME_IN_USE, "sessions still run it: " + String.join(", ", users)
                    + " (remove them first)");
        }
        int n = store.deleteRuntime(name, version);
        collectUnused();
        return n;
    }

    /** Root filesystems no version names any more go. */
    private void collectUnused() {
        try {
            Set<String> used = new HashSet<>();
            store.runtimes().forEach(r -> used.add(r.spec().rootfs()));
            for (String id : rootfs.ids()) {
                if (!used.contains(id)) {
                    rootfs.remove(id);
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove unused root filesystems: {0}", e.getMessage());
        }
    }

    /** What a session of this runtime version stands on: its shared tree under the session's own layer. */
    public RootFs rootFor(RuntimeRecord r, Path writable) {
        Path tree = rootfs.tree(r.spec().rootfs());
        return r.spec().hostSystem() ? RootFs.imageOnHost(tree, writable) : RootFs.image(tree, writable);
    }

    public Optional<RuntimeRecord> forSession(SessionRecord s) {
        if (s.runtime() == null) {
            return Optional.empty();
        }
        return store.runtime(RuntimeRecord.nameOf(s.runtime()), RuntimeRecord.versionOf(s.runtime()));
    }

    /** How many sessions each runtime version has, read once for a whole listing. */
    private Map<String, Long> sessionsByRuntime() {
        return store.sessions().stream().filter(s -> s.runtime() != null)
                .collect(Collectors.groupingBy(SessionRecord::runtime, Collectors.counting()));
    }

    private static RuntimeInfo info(RuntimeRecord r, Map<String, Long> sessions) {
        RuntimeSpec s = r.spec();
        HarnessInfo harness = s.harness() == null ? null
                : new HarnessInfo(s.harness().name(), s.harness().model(), s.harness().command(), s.harness().version());
        return new RuntimeInfo(r.name(), r.version(), r.createdAt(), s.kind(), s.source(), s.digest(), s.argv(), s.env(),
                s.workingDir(), s.port(), s.unpackedBytes(), sessions.getOrDefault(r.ref(), 0L).intValue(), harness);
    }

    private static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ApiException(ErrorCode.INVALID_RUNTIME_NAME, "runtime name must match [a-z0-9][a-z0-9._-]{0,62}: " + name);
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    @Override
    public void close() {
        images.close();
    }

    private static ApiException refused(DeployException e) {
        ErrorCode code = ErrorCode.fromCode(e.code());
        return new ApiException(code == ErrorCode.INTERNAL ? ErrorCode.RUNTIME_INVALID_PROJECT : code, e.getMessage());
    }
}
