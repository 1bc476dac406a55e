package dev.berth.runtimes.deploy;

import dev.berth.runtimes.archive.IdShift;
import dev.berth.runtimes.harness.Custom;
import dev.berth.runtimes.harness.Harness;
import dev.berth.runtimes.harness.HarnessSpec;
import dev.berth.runtimes.harness.Harnesses;
import dev.berth.runtimes.harness.NpmPackage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runtimes that run a coding-agent harness turn by turn instead of serving an agent: a tree with the
 * harness's pinned npm package installed under {@code /harness} (the host's system laid over
 * it, so the host's node runs it), or an image or a zip with the harness recorded. Such a runtime's
 * argv is empty: nothing runs in its sessions until a turn does.
 */
public final class HarnessDeployer {
    /**
     * Where the npm package is installed inside the runtime's tree: beside {@code /app} of zip runtimes,
     * out of the host's system directories (e.g. {@code /opt}) that are laid over the tree in a sandbox.
     */
    public static final String PREFIX = "/harness";
    public static final String WORKSPACE = "/mnt/workspace";
    private static final String SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private static final long INSTALL_TIMEOUT_MINUTES = 10;

    private final RootfsStore store;
    private final IdShift ids;
    private final Path npmCache;

    public HarnessDeployer(RootfsStore store, IdShift ids, Path npmCache) {
        this.store = store;
        this.ids = ids;
        this.npmCache = npmCache;
    }

    /** A known harness, or a refusal that lists the known ones. */
    public static Harness harness(String name) throws DeployException {
        try {
            return Harnesses.named(name);
        } catch (IllegalArgumentException e) {
            throw new DeployException(DeployException.HARNESS_UNKNOWN, e.getMessage());
        }
    }

    /**
     * A harness with nothing else given: its npm package installed (stored once per package version),
     * or for {@code custom} a bare tree where its command runs on the host's system.
     *
     * @param model the model its turns use unless a turn says otherwise; null for the harness's own default
     * @param command the custom harness's command (required for it, refused for the others)
     */
    public RuntimeSpec deploy(String name, String model, String command) throws DeployException, IOException {
        Harness h = harness(name);
        checkCommand(h, command, true);
        if (h instanceof Custom) {
            return spec(h, "custom (" + clip(command) + ")", bareTree(), null, model, command);
        }
        NpmPackage pkg = h.npm().orElseThrow(() -> new DeployException(DeployException.HARNESS_NOT_INSTALLABLE,
                "the " + h.name() + " harness cannot be installed by Berth: " + h.installNote()
                        + ". Deploy it from an image that has its CLI: --harness " + h.name() + " --image REF"));
        return spec(h, h.name() + " (" + pkg.name() + "@" + pkg.version() + ")", install(h, pkg), pkg.version(), model, null);
    }

    /** A harness on an image that has its CLI: the image's tree and environment, its entrypoint dropped. */
    public static RuntimeSpec onImage(RuntimeSpec image, String name, String model, String command) throws DeployException {
        Harness h = harness(name);
        checkCommand(h, command, true);
        Map<String, String> env = new LinkedHashMap<>(image.env());
        env.putAll(harnessEnv(h, model));
        return new RuntimeSpec("harness", h.name() + " on " + image.source(), image.digest(), image.rootfs(), image.hostSystem(),
                List.of(), env, WORKSPACE, image.port(), image.unpackedBytes(), image.user())
                .withHarness(new HarnessSpec(h.name(), model, command, null));
    }

    /**
     * The custom harness on a project zip: the zip's tree, its command the given one or else the zip's
     * entrypoint (e.g. {@code python3 /app/main.py}).
     */
    public static RuntimeSpec onZip(RuntimeSpec zip, String name, String model, String command) throws DeployException {
        Harness h = checkForZip(name);
        String cmd = command != null && !command.isBlank() ? command
                : zip.argv().stream().map(HarnessDeployer::shellQuote).collect(Collectors.joining(" "));
        Map<String, String> env = new LinkedHashMap<>(zip.env());
        env.remove("PORT"); // nothing serves in a harness runtime
        env.putAll(harnessEnv(h, model));
        return new RuntimeSpec("harness", "custom (" + zip.source() + ")", zip.digest(), zip.rootfs(), zip.hostSystem(),
                List.of(), env, WORKSPACE, zip.port(), zip.unpackedBytes(), zip.user())
                .withHarness(new HarnessSpec(h.name(), model, cmd, null));
    }

    /** The harness, if it is one a zip can carry: only {@code custom} (the others are installed, or in an image). */
    public static Harness checkForZip(String name) throws DeployException {
        Harness h = harness(name);
        if (!(h instanceof Custom)) {
            throw new DeployException(DeployException.INVALID_FIELD, "a zip goes with --harness custom only (the "
                    + h.name() + " harness is installed by Berth, or deployed from an image that has it)");
        }
        return h;
    }

    /** The harness, if the command fits it (required for custom, refused for the others): checked before a pull. */
    public static Harness check(String name, String command) throws DeployException {
        Harness h = harness(name);
        checkCommand(h, command, true);
        return h;
    }

    private static void checkCommand(Harness h, String command, boolean requiredForCustom) throws DeployException {
        boolean given = command != null && !command.isBlank();
        if (h instanceof Custom && !given && requiredForCustom) {
            throw new DeployException(DeployException.MISSING_FIELD,
                    "the custom harness needs a command (--command CMD), unless it is deployed from a zip");
        }
        if (!(h instanceof Custom) && given) {
            throw new DeployException(DeployException.INVALID_FIELD, "a command goes with --harness custom only, not "
                    + h.name());
        }
    }

    private record Tree(String id, long size) {}

    private RuntimeSpec spec(Harness h, String source, Tree tree, String version, String model, String command) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", PREFIX + "/bin:" + PREFIX + "/node_modules/.bin:" + SYSTEM_PATH);
        env.put("HOME", "/root");
        env.put("LANG", "C.UTF-8");
        env.put("NO_UPDATE_NOTIFIER", "1");
        env.putAll(harnessEnv(h, model));
        return new RuntimeSpec("harness", source, "sha256:" + tree.id().substring(tree.id().indexOf('-') + 1), tree.id(), true,
                List.of(), env, WORKSPACE, RuntimeSpec.AGENT_PORT, tree.size(), null)
                .withHarness(new HarnessSpec(h.name(), model, command, version));
    }

    private static Map<String, String> harnessEnv(Harness h, String model) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("BERTH_HARNESS", h.name());
        if (model != null) {
            env.put("BERTH_MODEL", model);
        }
        return env;
    }

    /** The package installed into a tree of its own, once per package version. */
    private Tree install(Harness h, NpmPackage pkg) throws DeployException, IOException {
        String id = "hns-" + sha256(h.name() + "\n" + pkg.name() + "@" + pkg.version()).substring(0, 32);
        if (store.contains(id)) {
            return new Tree(id, RootfsStore.size(store.tree(id)));
        }
        Path staging = store.newStaging();
        try {
            Path tree = staging.resolve("tree");
            Path prefix = tree.resolve(PREFIX.substring(1));
            Files.createDirectories(prefix);
            Files.createDirectories(tree.resolve("root"));
            // scripts off: a package's install scripts would run on the host, as the server (see executables())
            npm(List.of("npm", "install", "--ignore-scripts", "--no-audit", "--no-fund", "--no-update-notifier",
                    "--cache", npmCache.toString(), "--prefix", prefix.toString(), pkg.name() + "@" + pkg.version()),
                    staging, pkg);
            linkExecutable(h, pkg, prefix);
            long size = RootfsStore.size(tree);
            if (ids.shifts()) {
                chownTree(tree);
            }
            store.commit(tree, id);
            return new Tree(id, size);
        } finally {
            store.abandon(staging);
        }
    }

    /** {@code PREFIX/bin/BIN}, a relative link to the first of the harness's executables that was installed. */
    private static void linkExecutable(Harness h, NpmPackage pkg, Path prefix) throws DeployException, IOException {
        Path modules = prefix.resolve("node_modules");
        for (String candidate : h.executables()) {
            Path exe = modules.resolve(candidate).normalize();
            if (exe.startsWith(modules) && Files.isRegularFile(exe) && Files.isExecutable(exe)) {
                Path bin = Files.createDirectories(prefix.resolve("bin"));
                Files.createSymbolicLink(bin.resolve(pkg.bin()), bin.relativize(exe));
                return;
            }
        }
        throw new DeployException(DeployException.DEPENDENCIES_FAILED, pkg.name() + "@" + pkg.version()
                + " installed no executable for this platform (looked for " + String.join(", ", h.executables()) + ")");
    }

    /** The custom harness's tree: nothing of its own, the host's system laid over it. */
    private Tree bareTree() throws IOException {
        String id = "hns-" + sha256("custom").substring(0, 32);
        if (!store.contains(id)) {
            Path staging = store.newStaging();
            try {
                Path tree = staging.resolve("tree");
                Files.createDirectories(tree.resolve("root"));
                if (ids.shifts()) {
                    chownTree(tree);
                }
                store.commit(tree, id);
            } finally {
                store.abandon(staging);
            }
        }
        return new Tree(id, 0);
    }

    private static void npm(List<String> cmd, Path staging, NpmPackage pkg) throws DeployException, IOException {
        Path log = staging.resolve("npm.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(staging.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("HOME", staging.toString());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new DeployException(DeployException.DEPENDENCIES_FAILED, "npm is not available on this server: " + e.getMessage());
        }
        try {
            if (!p.waitFor(INSTALL_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new DeployException(DeployException.DEPENDENCIES_FAILED, "npm install " + pkg.name() + " took more than "
                        + INSTALL_TIMEOUT_MINUTES + " minutes");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new DeployException(DeployException.DEPENDENCIES_FAILED, "npm install " + pkg.name() + " was interrupted");
        }
        if (p.exitValue() != 0) {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            String tail = String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
            throw new DeployException(DeployException.DEPENDENCIES_FAILED, "npm install " + pkg.name() + "@" + pkg.version()
                    + " failed (exit " + p.exitValue() + "): " + tail);
        }
    }

    private void chownTree(Path tree) throws IOException {
        try (Stream<Path> s = Files.walk(tree)) {
            for (Path p : s.toList()) {
                Files.setAttribute(p, "unix:uid", (int) ids.host(0), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", (int) ids.host(0), LinkOption.NOFOLLOW_LINKS);
            }
        }
    }

    static String shellQuote(String s) {
        return s.matches("[A-Za-z0-9_./:=@%+,-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    private static String clip(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
