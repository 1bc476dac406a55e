package dev.berth.bench.measure;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import dev.berth.api.client.BerthClient;
import dev.berth.api.model.SessionInfo;
import dev.berth.bench.MachineInfo;
import dev.berth.bench.Report;
import dev.berth.bench.ServerProcess;
import dev.berth.bench.Stats;
import dev.berth.bench.gateway.FakeModelUpstream;
import dev.berth.runtimes.testing.TestAgents;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The arena's overhead: N agents on a task of about a minute each, through {@code berth arena run},
 * next to what a user does by hand on the same Berth without it: fork the source N times, then in
 * each copy, in parallel, run the agent ({@code berth run S -- node /app/index.js} with the
 * environment the arena gives a turn) and then the check ({@code berth run S -- node --test}).
 * Both are timed from the first CLI call to the last one's exit, in rounds that alternate which
 * goes first. Everything is real and on loopback: the server, the gateway and a fake model upstream,
 * a custom-harness runtime (Node.js) whose agent makes one model call, waits (CPU-light, so N agents
 * do not compete for the two cores the way real agents, which wait on their model, do not either)
 * and writes the fix, and a small project whose {@code node --test} fails until then.
 */
public final class ArenaOverhead implements Measurement {
    private static final String RUNTIME = "bench-bot";
    /** Not a directory's name: `--from` takes a directory of the CLI's working directory before a session. */
    private static final String SOURCE = "bench-arena-src";
    private static final String MODEL = "claude-sonnet-4-5";
    private static final String BUGGY = "module.exports = (a, b) => a - b;\n";
    private static final String TEST = """
            const test = require('node:test');
            const assert = require('node:assert');
            const sum = require('../sum.js');
            test('adds', () => assert.strictEqual(sum(2, 3), 5));
            """;
    /**
     * The agent: one model call through the gateway, then "work" for as long as the task says
     * ({@code work N ms} in its prompt, so a warm-up round can be short), then the fix.
     */
    private static final String AGENT = """
            const fs = require('node:fs');
            const step = (kind, text, tool) => console.log(JSON.stringify({type: 'step', kind, text, tool}));
            (async () => {
              const prompt = process.env.BERTH_PROMPT || '';
              const r = await fetch(process.env.ANTHROPIC_BASE_URL + '/v1/messages', {method: 'POST',
                headers: {'x-api-key': process.env.ANTHROPIC_API_KEY, 'anthropic-version': '2023-06-01',
                          'content-type': 'application/json'},
                body: JSON.stringify({model: process.env.BERTH_MODEL, max_tokens: 64,
                  messages: [{role: 'user', content: prompt}]})});
              if (!r.ok) { console.error(await r.text()); process.exit(2); }
              step('message', (await r.json()).content[0].text);
              const m = /work (\\d+) ms/.exec(prompt);
              await new Promise(done => setTimeout(done, m ? Number(m[1]) : 0));
              fs.writeFileSync('/mnt/workspace/sum.js', 'module.exports = (a, b) => a + b;\\n');
              step('tool_call', 'sum.js', 'write');
            })();
            """;
    private static final Duration CLI_TIMEOUT = Duration.ofMinutes(10);

    private final Path repo;
    private final int rounds;
    private final int agents;
    private final long workMillis;

    /**
     * @param rounds measured rounds, each one by-hand run and one arena run
     * @param agents N, the agents of each run
     * @param workMillis how long each agent waits between its model call and its fix
     */
    public ArenaOverhead(Path repo, int rounds, int agents, long workMillis) {
        this.repo = repo;
        this.rounds = rounds;
        this.agents = agents;
        this.workMillis = workMillis;
    }

    @Override
    public String section() {
        return "arena";
    }

    /** One by-hand run: its wall time. */
    private record Hand(long nanos) {}

    /**
     * One arena run: the CLI call's wall time, the server's own (created → finished) and each
     * agent's {@code wallMs}; the phases of its first agent, from its session's commands.
     */
    private record Arena(long nanos, long serverMs, List<Long> agentWallMs, Phases phases) {}

    /**
     * Where an arena agent's time went: arena recorded (after the forks) → its baseline commit starts;
     * the baseline; the turn; the check; its end (lines changed, sandbox stopped) → arena finished.
     */
    private record Phases(long beforeMs, long baselineMs, long turnMs, long checkMs, long afterMs) {}

    @Override
    public void run(Report report) throws Exception {
        Path dir = Files.createTempDirectory("berth-bench-arena");
        try (FakeModelUpstream upstream = new FakeModelUpstream(1, 0)) {
            Path config = Files.writeString(dir.resolve("gateway.toml"), """
                    [models.anthropic]
                    kind = "anthropic"
                    upstream = "%s"
                    secret = "anthropic-key"

                    [prices.claude-sonnet-4-5]
                    input = 3.0
                    output = 15.0
                    """.formatted(upstream.uri()));
            ServerProcess server = new ServerProcess(repo, dir.resolve("data"), List.of("--gateway-config", config.toString(),
                    "--secrets-key-file", dir.resolve("secrets.key").toString()));
            server.start();
            try (BerthClient client = new BerthClient(server.uri(), server.token())) {
                Cli cli = new Cli(repo, server.data(), dir);
                client.setSecret("anthropic-key", "sk-ant-bench-0123456789abcdef".getBytes(StandardCharsets.UTF_8));
                Path zip = TestAgents.zip(dir.resolve("bot.zip"), Map.of("index.js", AGENT));
                cli.ok("runtime", "deploy", RUNTIME, "--zip", zip.toString(), "--lang", "node", "--harness", "custom",
                        "--command", "node /app/index.js");
                cli.ok("session", "create", SOURCE, "--runtime", RUNTIME);
                cli.ok("run", SOURCE, "--", "sh", "-c", "mkdir -p test && printf '%s' \"$0\" > sum.js && printf '%s' \"$1\""
                        + " > test/sum.test.js && printf '{\"name\":\"sum\",\"version\":\"1.0.0\"}' > package.json", BUGGY, TEST);
                if (cli.run("run", SOURCE, "--", "node", "--test").exit() == 0) {
                    throw new IllegalStateException("the project's check passes before any agent worked on it");
                }
                cli.ok("session", "stop", SOURCE); // a source at rest, as a project waiting for its agents is

                // one short round of each first: the server's JIT and the CLI's first calls are not what is measured
                Path warmTask = task(dir, "warm.md", 1000);
                hand(cli, client, "warm", warmTask);
                arena(cli, client, warmTask);

                Path task = task(dir, "TASK.md", workMillis);
                List<Hand> hand = new ArrayList<>();
                List<Arena> arena = new ArrayList<>();
                String load0 = loadAverage();
                for (int r = 0; r < rounds; r++) {
                    System.err.println("bench: arena round " + (r + 1) + " of " + rounds);
                    if (r % 2 == 0) {
                        hand.add(hand(cli, client, "hand" + r, task));
                        arena.add(arena(cli, client, task));
                    } else {
                        arena.add(arena(cli, client, task));
                        hand.add(hand(cli, client, "hand" + r, task));
                    }
                }
                write(report, hand, arena, load0 + " → " + loadAverage());
                // sessions outlive their server by design: remove them (their supervisors with them) first
                removeAllBut(client, null);
            } finally {
                server.stop(true);
            }
        }
    }

    private static Path task(Path dir, String name, long work) throws IOException {
        return Files.writeString(dir.resolve(name), "Make `node --test` pass: sum.js must add. (bench: work " + work + " ms)\n");
    }

    /**
     * By hand: {@code berth session fork src ID --count N}, then per copy, in parallel, the agent's
     * command with a turn's environment and the check; the sessions are removed afterwards (not timed).
     */
    private Hand hand(Cli cli, BerthClient client, String id, Path task) throws Exception {
        String prompt = Files.readString(task);
        ExecutorService pool = Executors.newFixedThreadPool(agents);
        try {
            long t0 = System.nanoTime();
            cli.ok("session", "fork", SOURCE, id, "--count", Integer.toString(agents));
            List<Future<?>> each = new ArrayList<>();
            for (int i = 1; i <= agents; i++) {
                String s = agents == 1 ? id : id + "-" + i;
                each.add(pool.submit(() -> {
                    cli.ok("run", s, "-e", "BERTH_PROMPT=" + prompt, "-e", "BERTH_ITERATION=1", "-e", "BERTH_MODEL=" + MODEL,
                            "--", "node", "/app/index.js");
                    cli.ok("run", s, "--", "node", "--test");
                    return null;
                }));
            }
            for (Future<?> f : each) {
                f.get(CLI_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            long nanos = System.nanoTime() - t0;
            removeAllBut(client, SOURCE);
            return new Hand(nanos);
        } finally {
            pool.shutdownNow();
        }
    }

    /** {@code berth arena run … --json} on the same source, N agents of the same runtime and model, one iteration. */
    private Arena arena(Cli cli, BerthClient client, Path task) throws Exception {
        List<String> argv = new ArrayList<>(List.of("arena", "run", "--task", task.toString(), "--from", SOURCE, "--check",
                "node --test", "--max-iterations", "1", "--json"));
        for (int i = 1; i <= agents; i++) {
            argv.addAll(List.of("--agent", "a" + i + "=" + RUNTIME + ":" + MODEL));
        }
        long t0 = System.nanoTime();
        Cli.Result r = cli.ok(argv.toArray(String[]::new));
        long nanos = System.nanoTime() - t0;
        JsonNode a = Json.mapper().readTree(r.stdout());
        List<Long> walls = new ArrayList<>();
        for (JsonNode g : a.get("agents")) {
            if (!g.get("passed").asBoolean()) {
                throw new IllegalStateException("arena agent " + g.get("name").asText() + " did not pass: " + g);
            }
            walls.add(g.get("wallMs").asLong());
        }
        Instant created = Instant.parse(a.get("createdAt").asText());
        long serverMs = Duration.between(created, Instant.parse(a.get("finishedAt").asText())).toMillis();
        Phases phases = phases(client, a.get("agents").get(0).get("session").asText(), created,
                Instant.parse(a.get("finishedAt").asText()));
        removeAllBut(client, SOURCE);
        return new Arena(nanos, serverMs, walls, phases);
    }

    /** An agent's commands in order: the baseline commit, the turn, the check, the diff of lines changed. */
    private static Phases phases(BerthClient client, String session, Instant created, Instant finished) {
        var cmds = client.listCommands(session).stream()
                .sorted(java.util.Comparator.comparing(dev.berth.api.model.CommandInfo::startedAt)).toList();
        if (cmds.size() < 3) {
            return new Phases(-1, -1, -1, -1, -1);
        }
        long before = Duration.between(created, cmds.get(0).startedAt()).toMillis();
        long baseline = Duration.between(cmds.get(0).startedAt(), cmds.get(1).startedAt()).toMillis();
        long turn = Duration.between(cmds.get(1).startedAt(), cmds.get(2).startedAt()).toMillis();
        Instant checkEnd = cmds.size() > 3 ? cmds.get(3).startedAt()
                : cmds.get(2).startedAt().plusMillis(cmds.get(2).exit() == null ? 0 : cmds.get(2).exit().durationMs());
        long check = Duration.between(cmds.get(2).startedAt(), checkEnd).toMillis();
        long after = Duration.between(checkEnd, finished).toMillis();
        return new Phases(before, baseline, turn, check, after);
    }

    /** Removes every session but {@code keep} (null: every one). */
    private static void removeAllBut(BerthClient client, String keep) {
        for (SessionInfo s : client.listSessions()) {
            if (!s.id().equals(keep)) {
                client.deleteSession(s.id());
            }
        }
    }

    private void write(Report report, List<Hand> hand, List<Arena> arena, String load) {
        double[] h = hand.stream().mapToDouble(x -> x.nanos() / 1e6).toArray();
        double[] a = arena.stream().mapToDouble(x -> x.nanos() / 1e6).toArray();
        double[] server = arena.stream().mapToDouble(Arena::serverMs).toArray();
        double[] walls = arena.stream().flatMap(x -> x.agentWallMs().stream()).mapToDouble(Long::doubleValue).toArray();
        double[] ratio = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            ratio[i] = (a[i] - h[i]) / h[i] * 100;
        }
        Stats sh = Stats.of(h);
        Stats sa = Stats.of(a);
        Stats sr = Stats.of(ratio);
        List<List<String>> rows = new ArrayList<>();
        rows.add(row("by hand: fork ×" + agents + ", then per copy `berth run` agent + check, in parallel", Stats.of(h)));
        rows.add(row("`berth arena run … --json` (the CLI call)", sa));
        rows.add(row("of which the server's own: arena created (before its forks) → finished", Stats.of(server)));
        rows.add(row("each agent's `wallMs` (turn + check; " + walls.length + " agents)", Stats.of(walls)));
        List<List<String>> perRound = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            Phases p = arena.get(i).phases();
            perRound.add(List.of(Integer.toString(i + 1), i % 2 == 0 ? "hand, arena" : "arena, hand", s(h[i]), s(a[i]),
                    pct(ratio[i]), Long.toString(arena.get(i).serverMs()), p.beforeMs() + " / " + p.baselineMs() + " / "
                            + p.turnMs() + " / " + p.checkMs() + " / " + p.afterMs()));
        }
        List<String> bullets = new ArrayList<>(MachineInfo.probe(Path.of(System.getProperty("java.home"), "bin", "java")).bullets());
        bullets.add("load average (1, 5, 15 min) before → after: " + load);
        report.heading(2, "Arena overhead vs the agents by hand (N = " + agents + ")")
                .bullets(bullets)
                .paragraph(agents + " agents of a custom-harness runtime (Node.js: one model call through the gateway to a "
                        + "loopback upstream, then " + workMillis + " ms of waiting, then the fix), one iteration each, check "
                        + "`node --test`. " + rounds + " rounds after one short warm-up round of each; within a round the "
                        + "order alternates. Wall time from the first CLI call to the last one's exit.")
                .table(List.of("", "p50 s", "min s", "max s", "runs"), rows)
                .bullets(List.of("overhead (arena − by hand) / by hand, per round: median **" + pct(sr.p50()) + "**, spread "
                        + pct(sr.min()) + " to " + pct(sr.max()) + "; of the medians: " + pct((sa.p50() - sh.p50()) / sh.p50() * 100)))
                .table(List.of("round", "order", "by hand s", "arena s", "overhead", "server ms",
                        "first agent: to baseline / baseline / turn / check / after, ms"), perRound);
    }

    private static List<String> row(String label, Stats s) {
        return List.of(label, s(s.p50()), s(s.min()), s(s.max()), Integer.toString(s.n()));
    }

    private static String s(double ms) {
        return String.format(Locale.ROOT, "%.2f", ms / 1000);
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%+.2f %%", v);
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    /** {@code ./berth --home DATA ARGS…}, as a user types it; stdout and stderr kept in files. */
    private record Cli(Path repo, Path data, Path dir) {
        record Result(int exit, String stdout, String stderr) {}

        Result run(String... args) throws IOException, InterruptedException {
            List<String> argv = new ArrayList<>(List.of(repo.resolve("berth").toString(), "--home", data.toString()));
            argv.addAll(List.of(args));
            Path out = Files.createTempFile(dir, "cli", ".out");
            Path err = Files.createTempFile(dir, "cli", ".err");
            try {
                Process p = new ProcessBuilder(argv).directory(repo.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!p.waitFor(CLI_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly().waitFor();
                    throw new IOException("timed out: berth " + String.join(" ", args));
                }
                return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        }

        Result ok(String... args) throws IOException, InterruptedException {
            Result r = run(args);
            if (r.exit() != 0) {
                throw new IOException("exit " + r.exit() + ": berth " + String.join(" ", args) + "\n" + r.stdout() + r.stderr());
            }
            return r;
        }
    }

    /** {@code ArenaOverhead [ROUNDS [AGENTS [WORK_MS]]]}, as root from the repository's root (scripts/bench-arena). */
    public static void main(String[] args) throws Exception {
        Report report = new Report();
        new ArenaOverhead(Path.of("").toAbsolutePath(), args.length > 0 ? Integer.parseInt(args[0]) : 3,
                args.length > 1 ? Integer.parseInt(args[1]) : 4, args.length > 2 ? Long.parseLong(args[2]) : 55_000).run(report);
        System.out.print(report.markdown());
        System.exit(0);
    }
}
