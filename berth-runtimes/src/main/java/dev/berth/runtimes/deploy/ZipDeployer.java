package dev.berth.runtimes.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.runtimes.archive.ArchiveException;
import dev.berth.runtimes.archive.ArchiveLimits;
import dev.berth.runtimes.archive.IdShift;
import dev.berth.runtimes.archive.SafeUnpacker;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Python or Node.js project zip made into a runtime: unpacked at {@code /app} of a small tree
 * that the host's system directories are laid over (so the host's {@code python3} or {@code node}
 * runs it), its declared dependencies installed at deploy time, owned by the sandbox's root.
 */
public final class ZipDeployer {
    /** AgentCore's limits for a code zip: 250 MB as uploaded, 750 MB unpacked. */
    public static final long MAX_ZIP_BYTES = 250_000_000L;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long INSTALL_TIMEOUT_MINUTES = 10;

    public enum Lang {
        PYTHON(List.of("main.py", "app.py", "agent.py", "server.py")),
        NODE(List.of("index.js", "server.js", "app.js", "main.js"));

        private final List<String> usualEntrypoints;

        Lang(List<String> usual) {
            this.usualEntrypoints = usual;
        }

        public static Lang parse(String s) throws DeployException {
            return switch (s == null ? "" : s) {
                case "python" -> PYTHON;
                case "node" -> NODE;
                default -> throw new DeployException(DeployException.INVALID_PROJECT,
                        "language must be python or node, not " + (s == null || s.isEmpty() ? "nothing" : s));
            };
        }

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final RootfsStore store;
    private final ArchiveLimits limits;
    private final IdShift ids;
    private final Path npmCache;

    public ZipDeployer(RootfsStore store, ArchiveLimits limits, IdShift ids, Path npmCache) {
        this.store = store;
        this.limits = limits;
        this.ids = ids;
        this.npmCache = npmCache;
    }

    /**
     * @param zip the uploaded project
     * @param filename what the client called the zip (for the record only)
     * @param entrypoint a file of the project, relative to its top; null to find the usual one
     */
    public RuntimeSpec deploy(Path zip, String filename, Lang lang, String entrypoint) throws DeployException, IOException {
        String sha = sha256(zip);
        String entryKey = entrypoint == null ? "" : entrypoint;
        String id = "zip-" + sha256(sha + "\n" + lang + "\n" + entryKey).substring(0, 32);
        Path staging = store.newStaging();
        try {
            Path tree = staging.resolve("tree");
            Path app = tree.resolve("app");
            try {
                new SafeUnpacker(limits).unpackZip(zip, app);
            } catch (ArchiveException e) {
                throw new DeployException(e);
            }
            hoistSingleTopDirectory(app);
            String entry = entrypoint(app, lang, entrypoint);
            Map<String, String> env = new LinkedHashMap<>();
            env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
            env.put("HOME", "/root");
            env.put("LANG", "C.UTF-8");
            env.put("PORT", Integer.toString(RuntimeSpec.AGENT_PORT));
            List<String> argv;
            if (lang == Lang.PYTHON) {
                if (installPythonDeps(app, staging)) {
                    env.put("PYTHONPATH", "/app/.berth/site-packages");
                }
                env.put("PYTHONUNBUFFERED", "1"); // an agent's prints must stream, not wait for a full buffer
                argv = List.of("python3", "/app/" + entry);
            } else {
                installNodeDeps(app, staging);
                env.put("NODE_ENV", "production");
                argv = List.of("node", "/app/" + entry);
            }
            Files.createDirectories(tree.resolve("root"));
            long size = RootfsStore.size(tree);
            if (ids.shifts()) {
                chownTree(tree);
            }
            store.commit(tree, id); // the same project deployed before keeps its tree
            return new RuntimeSpec("zip", filename + " (" + lang.wireName() + ")", "sha256:" + sha, id, true, argv, env,
                    "/app", RuntimeSpec.AGENT_PORT, size, null);
        } finally {
            store.abandon(staging);
        }
    }

    /** A zip of a folder holds everything under one directory: the project is that directory. */
    private static void hoistSingleTopDirectory(Path app) throws IOException {
        List<Path> top;
        try (Stream<Path> s = Files.list(app)) {
            top = s.toList();
        }
        if (top.size() != 1 || !Files.isDirectory(top.getFirst(), LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Path only = top.getFirst();
        Path moved = app.resolveSibling("app.hoisting");
        Files.move(only, moved, StandardCopyOption.ATOMIC_MOVE);
        Files.delete(app);
        Files.move(moved, app, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String entrypoint(Path app, Lang lang, String asked) throws DeployException, IOException {
        if (asked != null) {
            Path p = app.resolve(asked).normalize();
            if (asked.startsWith("/") || !p.startsWith(app) || !Files.isRegularFile(p)) {
                throw new DeployException(DeployException.NO_ENTRYPOINT, "entrypoint " + asked + " is not a file of the project");
            }
            return app.relativize(p).toString();
        }
        if (lang == Lang.NODE) {
            JsonNode pkg = packageJson(app);
            if (pkg != null && pkg.path("main").isTextual()) {
                return entrypoint(app, lang, pkg.path("main").asText());
            }
        }
        for (String usual : lang.usualEntrypoints) {
            if (Files.isRegularFile(app.resolve(usual))) {
                return usual;
            }
        }
        throw new DeployException(DeployException.NO_ENTRYPOINT, "no entrypoint: pass --entrypoint FILE, or add one of "
                + String.join(", ", lang.usualEntrypoints) + (lang == Lang.NODE ? " (or package.json \"main\")" : ""));
    }

    private static JsonNode packageJson(Path app) throws DeployException, IOException {
        Path p = app.resolve("package.json");
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        try {
            return JSON.readTree(p.toFile());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new DeployException(DeployException.INVALID_PROJECT, "package.json is not valid JSON: "
                    + e.getOriginalMessage());
        }
    }

    /** requirements.txt with any requirement in it: pip installs them beside the project. */
    private boolean installPythonDeps(Path app, Path staging) throws DeployException, IOException {
        Path req = app.resolve("requirements.txt");
        if (!Files.isRegularFile(req, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        boolean any = Files.readAllLines(req, StandardCharsets.UTF_8).stream().map(String::strip)
                .anyMatch(l -> !l.isEmpty() && !l.startsWith("#"));
        if (!any) {
            return false;
        }
        run(List.of("python3", "-m", "pip", "install", "--no-input", "--disable-pip-version-check",
                "--target", app.resolve(".berth/site-packages").toString(), "-r", req.toString()), app, staging, "pip");
        return true;
    }

    /**
     * package.json with dependencies and no node_modules: npm installs them. Lifecycle scripts are
     * not run: they would run on the host, as the server.
     */
    private void installNodeDeps(Path app, Path staging) throws DeployException, IOException {
        JsonNode pkg = packageJson(app);
        if (pkg == null || pkg.path("dependencies").isEmpty() || Files.isDirectory(app.resolve("node_modules"))) {
            return;
        }
        List<String> cmd = new ArrayList<>(List.of("npm", Files.isRegularFile(app.resolve("package-lock.json")) ? "ci" : "install",
                "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--cache", npmCache.toString()));
        run(cmd, app, staging, "npm");
    }

    private static void run(List<String> cmd, Path dir, Path staging, String what) throws DeployException, IOException {
        Path log = staging.resolve(what + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("HOME", staging.toString());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new DeployException(DeployException.DEPENDENCIES_FAILED, what + " is not available on this server: "
                    + e.getMessage());
        }
        try {
            if (!p.waitFor(INSTALL_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new DeployException(DeployException.DEPENDENCIES_FAILED, what + " took more than "
                        + INSTALL_TIMEOUT_MINUTES + " minutes");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new DeployException(DeployException.DEPENDENCIES_FAILED, what + " was interrupted");
        }
        if (p.exitValue() != 0) {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            String tail = String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
            throw new DeployException(DeployException.DEPENDENCIES_FAILED, what + " failed (exit " + p.exitValue() + "): " + tail);
        }
    }

    /** What the server wrote (unpacked, installed) becomes the sandbox root's. */
    private void chownTree(Path tree) throws IOException {
        try (Stream<Path> s = Files.walk(tree)) {
            for (Path p : s.toList()) {
                Files.setAttribute(p, "unix:uid", (int) ids.host(0), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", (int) ids.host(0), LinkOption.NOFOLLOW_LINKS);
            }
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md = md();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static String sha256(String s) {
        return HexFormat.of().formatHex(md().digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    private static MessageDigest md() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
