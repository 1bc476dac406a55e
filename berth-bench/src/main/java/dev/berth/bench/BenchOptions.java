package dev.berth.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What to measure and against what. Every measurement talks to an already running server; the
 * defaults are the iteration counts docs/benchmarks.md reports.
 */
public record BenchOptions(
        URI server,
        String token,
        Path data,
        Path repo,
        Path java,
        Optional<SshTarget> ssh,
        Set<String> only,
        int warmup,
        int firstOutputRuns,
        int roundTripRuns,
        int throughputRuns,
        long throughputBytes,
        int memorySessions,
        int startupRuns,
        int resumeRuns,
        int restartSessions,
        int restartRuns,
        int ttyRuns,
        int runtimeRuns,
        int invokeRuns,
        int deployRuns,
        long deployBytes,
        Optional<Path> out) {

    public static final List<String> SECTIONS = List.of("first-output", "round-trip", "throughput", "memory", "startup",
            "resume", "restart", "tty", "tty-throughput", "tty-memory", "tty-reconnect", "runtime-start", "invoke", "deploy",
            "audit-cost", "model-gateway", "mcp-overhead", "gateway-from-sandbox", "fork", "console");

    static final String USAGE = """
            usage: CoreBench --server URL (--token T | --token-file F) --data DIR [options]
              --data DIR              the server's data directory (sessions/ID/state/*.pid, server.json)
              --repo DIR              the Berth checkout, for ./berth (default: the working directory)
              --java PATH             the java of the JDK under test (default: this JVM's)
              --ssh-port N            a private sshd on 127.0.0.1 (without it the ssh columns are left out)
              --ssh-identity F        its client key;  --ssh-user U (default root)
              --ssh-known-hosts F     its host key (default: no host key check)
              --only a,b              sections: first-output, round-trip, throughput, memory, startup,
                                      resume, restart, tty, tty-throughput, tty-memory,
                                      tty-reconnect, runtime-start, invoke, deploy, audit-cost,
                                      model-gateway, mcp-overhead (both in process: no server needed),
                                      gateway-from-sandbox, fork (1 GB / 100k files; see scripts/bench-fork),
                                      console (the web console in chromium: first paint, keystrokes)
              --warmup N              unmeasured runs before each series (default 5)
              --first-output-runs N   (default 50)   --round-trip-runs N (default 200)
              --throughput-runs N     (default 3)    --throughput-bytes N (default 1073741824)
              --memory-sessions N     (default 10)   --startup-runs N (default 20)
              --resume-runs N         (default 50)
              --restart-sessions N    (default 100)  --restart-runs N (default 5 of each kind)
              --tty-runs N            (default 500 keystrokes)
              --runtime-runs N        (default 30)   --invoke-runs N (default 500)
              --deploy-runs N         (default 3)    --deploy-bytes N (default 200000000)
              --out FILE              also write the report there
            """;

    public static BenchOptions parse(String... args) {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 == args.length) {
                throw new IllegalArgumentException("expected --option VALUE at '" + args[i] + "'");
            }
            a.put(args[i].substring(2), args[++i]);
        }
        // every option is taken out of the map, so whatever is left over is a typo
        String token = Optional.ofNullable(a.remove("token")).or(() -> Optional.ofNullable(a.remove("token-file"))
                .map(f -> read(Path.of(f)))).orElseThrow(() -> new IllegalArgumentException("--token or --token-file is required"));
        URI server = URI.create(required(a, "server").replaceAll("/+$", ""));
        Path data = Path.of(required(a, "data"));
        Path repo = Path.of(take(a, "repo", ".")).toAbsolutePath().normalize();
        Path java = Path.of(take(a, "java", Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        String user = take(a, "ssh-user", "root");
        Optional<Path> identity = Optional.ofNullable(a.remove("ssh-identity")).map(Path::of);
        Optional<Path> knownHosts = Optional.ofNullable(a.remove("ssh-known-hosts")).map(Path::of);
        Optional<SshTarget> ssh = Optional.ofNullable(a.remove("ssh-port"))
                .map(port -> new SshTarget(Integer.parseInt(port), user, identity, knownHosts));
        Set<String> only = new LinkedHashSet<>(List.of(take(a, "only", String.join(",", SECTIONS)).split(",")));
        if (!SECTIONS.containsAll(only)) {
            throw new IllegalArgumentException("--only takes " + SECTIONS + ", got " + only);
        }
        BenchOptions o = new BenchOptions(server, token, data, repo, java, ssh, only,
                integer(a, "warmup", 5),
                integer(a, "first-output-runs", 50),
                integer(a, "round-trip-runs", 200),
                integer(a, "throughput-runs", 3),
                Long.parseLong(take(a, "throughput-bytes", "1073741824")),
                integer(a, "memory-sessions", 10),
                integer(a, "startup-runs", 20),
                integer(a, "resume-runs", 50),
                integer(a, "restart-sessions", 100),
                integer(a, "restart-runs", 5),
                integer(a, "tty-runs", 500),
                integer(a, "runtime-runs", 30),
                integer(a, "invoke-runs", 500),
                integer(a, "deploy-runs", 3),
                Long.parseLong(take(a, "deploy-bytes", "200000000")),
                Optional.ofNullable(a.remove("out")).map(Path::of));
        if (!a.isEmpty()) {
            throw new IllegalArgumentException("unknown options " + a.keySet());
        }
        return o;
    }

    public boolean runs(String section) {
        return only.contains(section);
    }

    private static String required(Map<String, String> a, String key) {
        String v = a.remove(key);
        if (v == null) {
            throw new IllegalArgumentException("--" + key + " is required");
        }
        return v;
    }

    private static String take(Map<String, String> a, String key, String dflt) {
        String v = a.remove(key);
        return v == null ? dflt : v;
    }

    private static int integer(Map<String, String> a, String key, int dflt) {
        int v = Integer.parseInt(take(a, key, Integer.toString(dflt)));
        if (v < 0) {
            throw new IllegalArgumentException("--" + key + " must not be negative");
        }
        return v;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
