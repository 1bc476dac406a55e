package dev.berth.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.berth.api.Json;
import dev.berth.runtimes.testing.TestAgents;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The arena as a user meets it, through the real CLI and a real server: scripted agents (a custom
 * harness: a Node.js script) call a model API on loopback through the gateway and edit a real small
 * project whose `node --test` is the check, over turns the model's answers decide. So the iterations,
 * tokens, costs, lines changed and the winner are known exactly; an agent killed mid-run and one over
 * its budget are stopped and reported, the others carry on.
 */
@Timeout(600)
class ArenaCliTest {
    private static final String BUGGY = "module.exports = (a, b) => a - b;\n";
    private static final String FIXED = "module.exports = (a, b) => a + b;\n";
    private static final String WRONG = "module.exports = (a, b) => a * b;\n";
    /** The agent: asks the model what to do with this turn's prompt, does it, and says so in step lines. */
    private static final String AGENT = """
            const fs = require('node:fs');
            const step = (kind, text, tool) => console.log(JSON.stringify({type: 'step', kind, text, tool}));
            (async () => {
              const it = process.env.BERTH_ITERATION, model = process.env.BERTH_MODEL;
              step('message', 'turn ' + it + ' with ' + model);
              const r = await fetch(process.env.ANTHROPIC_BASE_URL + '/v1/messages', {method: 'POST',
                headers: {'x-api-key': process.env.ANTHROPIC_API_KEY, 'anthropic-version': '2023-06-01',
                          'content-type': 'application/json'},
                body: JSON.stringify({model, max_tokens: 64,
                  messages: [{role: 'user', content: 'iteration ' + it + '\\n' + process.env.BERTH_PROMPT}]})});
              const body = await r.json();
              if (!r.ok) { console.error(JSON.stringify(body)); process.exit(2); }
              const plan = JSON.parse(body.content[0].text);
              if (plan.hang) { step('tool_call', 'waiting forever', 'sleep'); setInterval(() => {}, 1 << 30); return; }
              fs.writeFileSync('/mnt/workspace/' + plan.path, plan.content);
              step('tool_call', plan.path, 'write');
            })();
            """;

    @TempDir
    static Path data;
    @TempDir
    static Path work;
    static Cli cli;
    static ServerProcess server;
    static HttpServer upstream;
    static Path project;

    @BeforeAll
    static void start() throws Exception {
        upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        upstream.createContext("/v1/messages", ArenaCliTest::answer);
        upstream.start();
        Path config = Files.writeString(work.resolve("gateway.toml"), """
                [models.anthropic]
                kind = "anthropic"
                upstream = "http://127.0.0.1:%d"
                secret = "anthropic-key"

                [prices.fast]
                input = 1.0
                output = 5.0
                [prices.slow]
                input = 1.0
                output = 5.0
                [prices.hang]
                input = 1.0
                output = 5.0
                [prices.pricey]
                input = 100.0
                output = 500.0
                """.formatted(upstream.getAddress().getPort()));
        cli = new Cli(data, Map.of());
        server = ServerProcess.start(cli, data, 0, "--gateway-config", config.toString(),
                "--secrets-key-file", work.resolve("secrets.key").toString());
        ok(cli.run("sk-ant-arena-0123456789abcdef".getBytes(StandardCharsets.UTF_8), "secret", "set", "anthropic-key",
                "--from-stdin"));
        Path zip = TestAgents.zip(work.resolve("bot.zip"), Map.of("index.js", AGENT));
        ok(cli.run("runtime", "deploy", "bot", "--zip", zip.toString(), "--lang", "node", "--harness", "custom",
                "--command", "node /app/index.js"));

        project = Files.createDirectories(work.resolve("project"));
        Files.writeString(project.resolve("sum.js"), BUGGY);
        Files.writeString(project.resolve("package.json"), "{\"name\":\"sum\",\"version\":\"1.0.0\"}\n");
        Files.createDirectories(project.resolve("test"));
        Files.writeString(project.resolve("test/sum.test.js"), """
                const test = require('node:test');
                const assert = require('node:assert');
                const sum = require('../sum.js');
                test('adds', () => assert.strictEqual(sum(2, 3), 5));
                """);
        git(project, "init", "-q");
        git(project, "add", "-A");
        git(project, "-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-qm", "buggy sum");
        Files.writeString(work.resolve("TASK.md"), "Make `node --test` pass: sum.js must add.\n");
    }

    /** What each model answers, by model and by the iteration the agent says it is in. */
    private static void answer(HttpExchange x) throws IOException {
        JsonNode req = Json.mapper().readTree(x.getRequestBody());
        String model = req.get("model").asText();
        Matcher m = Pattern.compile("iteration (\\d+)").matcher(req.at("/messages/0/content").asText());
        int iteration = m.find() ? Integer.parseInt(m.group(1)) : 0;
        Map<String, Object> plan = switch (model) {
            case "fast" -> Map.of("path", "sum.js", "content", FIXED);
            case "slow" -> Map.of("path", "sum.js", "content", iteration >= 2 ? FIXED : WRONG);
            case "hang" -> Map.of("hang", true);
            default -> Map.of("path", "sum.js", "content", WRONG);
        };
        byte[] b = Json.mapper().writeValueAsBytes(Map.of("id", "msg_" + iteration, "type", "message", "role", "assistant",
                "model", model, "content", List.of(Map.of("type", "text", "text", Json.mapper().writeValueAsString(plan))),
                "stop_reason", "end_turn", "usage", Map.of("input_tokens", 100, "output_tokens", 20)));
        x.getResponseHeaders().add("Content-Type", "application/json");
        x.sendResponseHeaders(200, b.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(b);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            for (JsonNode s : Json.mapper().readTree(cli.run("session", "ls", "--json").stdout())) {
                cli.run("session", "rm", s.get("id").asText());
            }
            server.close();
        }
        if (upstream != null) {
            upstream.stop(0);
        }
    }

    @Test
    void agentsRaceFromADirectoryAndTheWinnerIsExportedAsABranch() throws Exception {
        Cli.Result started = ok(cli.run("arena", "run", "--task", work.resolve("TASK.md").toString(), "--from", project.toString(),
                "--check", "node --test", "--agent", "fast=bot:fast", "--agent", "slow=bot:slow", "--agent", "stuck=custom:hang",
                "--max-iterations", "3", "--timeout", "5m", "--detach"));
        String id = started.stdout().strip();
        assertThat(id).startsWith("ar-");

        // the stuck agent waits forever in its first turn: kill its harness, as a crash would
        String stuck = id + "-stuck";
        String turn = await().atMost(Duration.ofSeconds(120)).until(() -> runningTurn(stuck), cid -> cid != null);
        ok(cli.run("command", "kill", stuck, turn, "--signal", "KILL"));

        JsonNode arena = await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
                .until(() -> Json.mapper().readTree(ok(cli.run("arena", "show", id, "--json")).stdout()),
                        a -> !a.get("state").asText().equals("running"));
        assertThat(arena.get("state").asText()).isEqualTo("finished");
        assertThat(arena.get("winner").asText()).isEqualTo("fast");
        JsonNode fast = agent(arena, "fast");
        assertThat(fast.get("state").asText()).isEqualTo("passed");
        assertThat(fast.get("iterations").asInt()).isEqualTo(1);
        assertThat(fast.get("modelCalls").asLong()).isEqualTo(1);
        assertThat(fast.get("inputTokens").asLong()).isEqualTo(100);
        assertThat(fast.get("outputTokens").asLong()).isEqualTo(20);
        assertThat(fast.get("costUsd").decimalValue()).isEqualByComparingTo("0.0002"); // 100 × $1/M + 20 × $5/M
        assertThat(fast.get("linesAdded").asInt()).isEqualTo(1);
        assertThat(fast.get("linesRemoved").asInt()).isEqualTo(1);
        JsonNode slow = agent(arena, "slow");
        assertThat(slow.get("state").asText()).isEqualTo("passed");
        assertThat(slow.get("iterations").asInt()).isEqualTo(2);
        assertThat(slow.get("modelCalls").asLong()).isEqualTo(2);
        assertThat(slow.get("inputTokens").asLong()).isEqualTo(200);
        assertThat(slow.get("costUsd").decimalValue()).isEqualByComparingTo("0.0004");
        JsonNode killed = agent(arena, "stuck");
        assertThat(killed.get("state").asText()).isEqualTo("crashed");
        assertThat(killed.get("detail").asText()).contains("signal 9");
        assertThat(killed.get("passed").asBoolean()).isFalse();

        // every step of the winner is in its session's log, beside the model call and the check
        String log = ok(cli.run("logs", fast.get("session").asText())).stdout();
        assertThat(log).contains("agent.turn").contains("agent.step").contains("turn 1 with fast").contains("model.call")
                .contains("arena.check");
        assertThat(ok(cli.run("audit", "ls", "--session", fast.get("session").asText(), "--action", "agent.step")).stdout())
                .contains("agent.step");

        // the results as a table, a list, an HTML page
        String table = ok(cli.run("arena", "show", id)).stdout();
        assertThat(table).contains("winner: fast").contains("passed").contains("crashed");
        assertThat(ok(cli.run("arena", "ls")).stdout()).contains(id).contains("fast");
        Path html = work.resolve("report.html");
        Path saved = work.resolve("saved");
        ok(cli.run("arena", "show", id, "--html", html.toString(), "--save", saved.toString()));
        assertThat(Files.readString(html)).contains("<svg").contains("Winner: <strong>fast</strong>").contains("stuck")
                .doesNotContain("<script");
        assertThat(Files.readString(saved.resolve(id + ".html"))).isEqualTo(Files.readString(html));
        assertThat(Json.mapper().readTree(saved.resolve(id + ".json").toFile())).isEqualTo(arena);

        // the winner's work, as a patch and as a branch of the project's repository (its work tree untouched)
        String patch = ok(cli.run("arena", "export", id, "--patch", "-")).stdout();
        assertThat(patch).contains("-" + BUGGY.strip()).contains("+" + FIXED.strip());
        Cli.Result branch = ok(cli.run("arena", "export", id, "--branch", "arena-fast", "--repo", project.toString()));
        assertThat(branch.stdout()).startsWith("arena-fast ");
        assertThat(git(project, "show", "arena-fast:sum.js")).isEqualTo(FIXED);
        assertThat(Files.readString(project.resolve("sum.js"))).isEqualTo(BUGGY);
        Cli.Result again = cli.run("arena", "export", id, "--branch", "arena-fast", "--repo", project.toString());
        assertThat(again.exit()).isNotZero();
        assertThat(again.stderr()).contains("already exists");
    }

    @Test
    void agentsOverTheirBudgetOrTimeAreStoppedWhileTheOtherWinsInTheForeground() throws Exception {
        ok(cli.run("session", "create", "src"));
        ok(cli.run("run", "src", "--", "sh", "-c", "mkdir -p test && printf '%s' \"$0\" > sum.js && printf '%s' \"$1\" > test/sum.test.js",
                BUGGY, Files.readString(project.resolve("test/sum.test.js"))));
        Path html = work.resolve("budget.html");
        Cli.Result run = cli.run("arena", "run", "--task", work.resolve("TASK.md").toString(), "--from", "src",
                "--check", "node --test", "--agent", "cheap=bot:fast", "--agent", "pricey=bot:pricey", "--agent", "hung=bot:hang",
                "--budget", "0.01", "--max-iterations", "4", "--timeout", "30s", "--html", html.toString());
        assertThat(run.exit()).as(run.stderr()).isZero();
        assertThat(run.stderr()).contains("cheap").contains("passed").contains("over_budget"); // progress lines
        assertThat(run.stdout()).contains("winner: cheap");
        String id = Pattern.compile("arena (ar-[0-9a-f]+)").matcher(run.stderr()).results().findFirst().orElseThrow().group(1);
        JsonNode arena = Json.mapper().readTree(ok(cli.run("arena", "show", id, "--json")).stdout());
        JsonNode pricey = agent(arena, "pricey");
        // one call of 100 × $100/M + 20 × $500/M = $0.02 spends the $0.01: no second turn
        assertThat(pricey.get("state").asText()).isEqualTo("over_budget");
        assertThat(pricey.get("iterations").asInt()).isEqualTo(1);
        assertThat(pricey.get("modelCalls").asLong()).isEqualTo(1);
        assertThat(pricey.get("costUsd").decimalValue()).isEqualByComparingTo("0.02");
        assertThat(agent(arena, "cheap").get("iterations").asInt()).isEqualTo(1);
        // the hung one is killed when its time is up, in its first turn
        JsonNode hung = agent(arena, "hung");
        assertThat(hung.get("state").asText()).isEqualTo("timed_out");
        assertThat(hung.get("iterations").asInt()).isEqualTo(1);
        assertThat(hung.get("modelCalls").asLong()).isEqualTo(1);
        assertThat(Files.readString(html)).contains("over_budget");
        // the source is forked, never changed
        assertThat(ok(cli.run("run", "src", "--", "cat", "sum.js")).stdout()).isEqualTo(BUGGY);
    }

    @Test
    void badRequestsGetStableErrors() throws Exception {
        Path task = work.resolve("TASK.md").toAbsolutePath();
        Cli.Result noSession = cli.run("arena", "run", "--task", task.toString(), "--from", "no-such-session", "--check", "true",
                "--agent", "a=bot");
        assertThat(noSession.exit()).isNotZero();
        assertThat(noSession.stderr()).contains("session_not_found");
        ok(cli.run("session", "create", "plain-src"));
        Cli.Result noHarness = cli.run("arena", "run", "--task", task.toString(), "--from", "plain-src", "--check", "true",
                "--agent", "a=no-such-harness");
        assertThat(noHarness.stderr()).contains("runtime_not_found");
        Cli.Result badName = cli.run("arena", "run", "--task", task.toString(), "--from", "plain-src", "--check", "true",
                "--agent", "Bad_Name=bot");
        assertThat(badName.stderr()).contains("invalid_field");
        Cli.Result unknown = cli.run("arena", "show", "ar-00000000");
        assertThat(unknown.exit()).isNotZero();
        assertThat(unknown.stderr()).contains("arena_not_found");
    }

    private static String runningTurn(String session) throws Exception {
        Cli.Result r = cli.run("command", "ls", session, "--json");
        if (r.exit() != 0) {
            return null;
        }
        for (JsonNode c : Json.mapper().readTree(r.stdout())) {
            if (c.get("state").asText().equals("running") && c.get("argv").toString().contains("node /app/index.js")) {
                return c.get("id").asText();
            }
        }
        return null;
    }

    private static JsonNode agent(JsonNode arena, String name) {
        for (JsonNode a : arena.get("agents")) {
            if (a.get("name").asText().equals(name)) {
                return a;
            }
        }
        throw new AssertionError("no agent " + name + " in " + arena);
    }

    private static Cli.Result ok(Cli.Result r) {
        assertThat(r.exit()).as(r.stdout() + r.stderr()).isZero();
        return r;
    }

    private static String git(Path dir, String... args) throws IOException, InterruptedException {
        List<String> argv = new java.util.ArrayList<>(List.of("git", "-C", dir.toString()));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
