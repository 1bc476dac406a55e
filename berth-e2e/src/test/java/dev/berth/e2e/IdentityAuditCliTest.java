package dev.berth.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** `berth token`, `session share`, `logs`, `audit ls|verify|replay` through the real CLI and server. */
@Timeout(300)
class IdentityAuditCliTest {
    @TempDir
    static Path data;

    static Cli admin;
    static ServerProcess server;

    @BeforeAll
    static void start() throws Exception {
        admin = new Cli(data, Map.of());
        server = ServerProcess.start(admin, data);
        admin.assumeSandboxes();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            for (JsonNode s : Json.mapper().readTree(admin.run("session", "ls", "--json").stdout())) {
                admin.run("session", "rm", s.get("id").asText());
            }
            server.close();
        }
    }

    private static Cli as(String token) {
        return new Cli(data, Map.of("BERTH_TOKEN", token));
    }

    private static String token(String user, String role, String... more) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("token", "create", "--user", user, "--role", role));
        args.addAll(List.of(more));
        Cli.Result r = admin.run(args.toArray(String[]::new));
        assertThat(r.exit()).as(r.stderr()).isZero();
        assertThat(r.stderr()).contains("not shown again");
        return r.stdout().strip();
    }

    @Test
    void usersSeeOnlyTheirSessionsAndRevokedTokensStopWorking() throws Exception {
        Cli alice = as(token("alice", "user"));
        Cli bob = as(token("bob", "user", "--group", "devs"));
        assertThat(alice.run("session", "create", "alices").exit()).isZero();

        Cli.Result bobRuns = bob.run("run", "alices", "--", "true");
        assertThat(bobRuns.exit()).isEqualTo(125);
        assertThat(bobRuns.stderr()).contains("no session alices").contains("session_not_found");
        assertThat(bob.run("session", "ls").stdout()).doesNotContain("alices");

        assertThat(alice.run("session", "share", "alices", "--group", "devs").stdout()).contains("group:devs");
        Cli.Result shared = bob.run("run", "alices", "--", "echo", "shared");
        assertThat(shared.exit()).as(shared.stderr()).isZero();
        assertThat(shared.stdout()).isEqualTo("shared\n");

        Cli.Result list = admin.run("token", "ls");
        assertThat(list.stdout()).contains("alice").contains("bob").contains("active");
        String aliceId = null;
        JsonNode tokens = Json.mapper().readTree(admin.run("token", "ls", "--json").stdout());
        for (JsonNode t : tokens) {
            if (t.get("user").asText().equals("alice")) {
                aliceId = t.get("id").asText();
            }
        }
        assertThat(admin.run("token", "revoke", aliceId).exit()).isZero();
        Cli.Result after = alice.run("session", "ls");
        assertThat(after.exit()).isEqualTo(1);
        assertThat(after.stderr()).contains("token_expired").contains("revoked");
        assertThat(admin.run("token", "ls").stdout()).contains("revoked");
    }

    @Test
    void theAuditTrailAnswersWhoDidWhatAndDetectsTampering() throws Exception {
        Cli carol = as(token("carol", "user"));
        assertThat(carol.run("session", "create", "carols").exit()).isZero();
        assertThat(carol.run("run", "carols", "--", "sh", "-c", "echo audited-output; exit 4").exit()).isEqualTo(4);

        Cli auditor = as(token("audrey", "auditor"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Cli.Result ls = auditor.run("audit", "ls", "--session", "carols", "--json");
            assertThat(ls.exit()).as(ls.stderr()).isZero();
            JsonNode events = Json.mapper().readTree(ls.stdout());
            assertThat(events.findValuesAsText("action")).contains("session.create", "command.start", "command.exit");
            for (JsonNode e : events) {
                assertThat(e.get("principal").asText()).isEqualTo("carol");
                if (e.get("action").asText().equals("command.exit")) {
                    assertThat(e.get("details").get("exit").asInt()).isEqualTo(4);
                }
            }
        });
        Cli.Result table = auditor.run("audit", "ls", "--user", "carol", "--action", "command.");
        assertThat(table.stdout()).contains("command.start").contains("command.exit").doesNotContain("session.create");
        Cli.Result logs = auditor.run("logs", "carols");
        assertThat(logs.exit()).as(logs.stderr()).isZero();
        assertThat(logs.stdout()).contains("command.start").contains("audited-output");
        Cli.Result notForUsers = carol.run("audit", "ls");
        assertThat(notForUsers.exit()).isEqualTo(1);
        assertThat(notForUsers.stderr()).contains("forbidden");

        Cli.Result ok = auditor.run("audit", "verify");
        assertThat(ok.exit()).as(ok.stdout() + ok.stderr()).isZero();
        assertThat(ok.stdout()).contains("intact");
    }

    @Test
    void aRecordedTerminalIsReplayedAndFollowedLogsStreamLive() throws Exception {
        assertThat(admin.run("session", "create", "ttys").exit()).isZero();
        Cli.Result tty = admin.run("exec", "-t", "ttys", "--", "sh", "-c", "printf 'in a terminal\\n'");
        assertThat(tty.exit()).as(tty.stderr()).isZero();
        JsonNode open = await().atMost(Duration.ofSeconds(10)).until(() -> {
            JsonNode events = Json.mapper().readTree(admin.run("audit", "ls", "--session", "ttys", "--action", "tty.open",
                    "--json").stdout());
            return events.isEmpty() ? null : events.get(0);
        }, java.util.Objects::nonNull);
        String cid = open.get("resource").asText().substring("tty/".length());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Cli.Result replay = admin.run("audit", "replay", cid, "--raw");
            assertThat(replay.exit()).as(replay.stderr()).isZero();
            assertThat(replay.stdout()).contains("in a terminal");
        });
        Cli.Result cast = admin.run("audit", "replay", cid, "--cast");
        assertThat(Json.mapper().readTree(cast.stdout().lines().findFirst().orElseThrow()).get("version").asInt()).isEqualTo(2);

        Process follow = admin.builder(List.of("logs", "ttys", "--follow")).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(follow.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    lines.add(l);
                }
            } catch (Exception ignored) {
                // the process was stopped
            }
        });
        try {
            assertThat(waitFor(lines, "in a terminal")).isTrue(); // the history
            assertThat(admin.run("run", "ttys", "--", "echo", "live-now").exit()).isZero();
            assertThat(waitFor(lines, "live-now")).isTrue();
        } finally {
            follow.destroy();
            follow.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void theAuditFilesHoldNoToken() throws Exception {
        String secret = token("dave", "operator");
        Cli dave = as(secret);
        assertThat(dave.run("session", "create", "daves").exit()).isZero();
        assertThat(dave.run("run", "daves", "--", "echo", secret).exit()).isZero();
        String adminToken = Files.readString(data.resolve("admin.token")).strip();
        await().atMost(Duration.ofSeconds(10)).until(() -> admin.run("audit", "ls", "--session", "daves", "--json").stdout()
                .contains("command.exit"));
        try (Stream<Path> files = Files.walk(data.resolve("audit"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String text = Files.readString(f, StandardCharsets.ISO_8859_1);
                assertThat(text).as(f.toString()).doesNotContain(secret).doesNotContain(adminToken);
            }
        }
    }

    private static boolean waitFor(BlockingQueue<String> lines, String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            String l = lines.poll(1, TimeUnit.SECONDS);
            if (l != null && l.contains(text)) {
                return true;
            }
        }
        return false;
    }
}
