package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import dev.berth.api.client.BerthClient;
import dev.berth.api.model.AuditRecord;
import dev.berth.api.model.AuditVerification;
import dev.berth.api.model.CommandInfo;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.CommandState;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.CreateTokenRequest;
import dev.berth.api.model.Role;
import dev.berth.api.model.Tty;
import dev.berth.server.audit.otlp.OtlpConfig;
import dev.berth.server.audit.otlp.OtlpReceiver;
import dev.berth.server.config.AuditPolicy;
import dev.berth.server.config.ServerConfig;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit trail as a user meets it: through the real server, its API and its files. */
class AuditTrailTest {
    @TempDir
    Path data;

    private static CommandRequest sh(String script) {
        return new CommandRequest(null, List.of("sh", "-c", script), null, null, null, null, null, true);
    }

    private static List<AuditRecord> events(BerthClient c, String action) {
        return c.audit(Map.of("action", action));
    }

    private static CommandInfo finished(BerthClient c, String session, String cid) {
        await().atMost(Duration.ofSeconds(20)).until(() -> c.command(session, cid).state() != CommandState.RUNNING);
        return c.command(session, cid);
    }

    @Test
    void commandsAreRecordedWithWhoWhatWhereAndHowTheyEnded() throws Exception {
        try (TestServer server = TestServer.start(data); BerthClient admin = server.client()) {
            server.assumeSandboxes();
            String alice = admin.createToken(new CreateTokenRequest("alice", Role.USER, null, null, null)).secret();
            try (BerthClient a = new BerthClient(server.server.uri(), alice)) {
                a.createSession(CreateSessionRequest.of("audited", null, null));
                String cid = a.startCommand("audited", sh("printf 12345; exit 3")).id();
                finished(a, "audited", cid);
                await().atMost(Duration.ofSeconds(10)).until(() -> !events(admin, "command.exit").isEmpty());

                AuditRecord start = events(admin, "command.start").getFirst();
                assertThat(start.principal()).isEqualTo("alice");
                assertThat(start.authMethod()).isEqualTo("token");
                assertThat(start.source()).startsWith("127.0.0.1:");
                assertThat(start.session()).isEqualTo("audited");
                assertThat(start.resource()).isEqualTo("command/" + cid);
                assertThat(start.outcome()).isEqualTo("ok");
                assertThat(start.details()).containsEntry("argv", List.of("sh", "-c", "printf 12345; exit 3"))
                        .containsEntry("cwd", "/mnt/workspace");

                AuditRecord exit = events(admin, "command.exit").getFirst();
                assertThat(exit.principal()).isEqualTo("alice");
                assertThat(exit.resource()).isEqualTo("command/" + cid);
                assertThat(exit.details()).containsEntry("exit", 3).containsEntry("bytes", 5).containsKey("durationMs");
                assertThat(exit.seq()).isGreaterThan(start.seq());

                AuditRecord created = events(admin, "session.create").getFirst();
                assertThat(created.principal()).isEqualTo("alice");
                assertThat(created.session()).isEqualTo("audited");
                assertThat(admin.audit(Map.of("user", "alice"))).extracting(AuditRecord::action)
                        .contains("session.create", "command.start", "command.exit");
                assertThat(admin.audit(Map.of("user", "admin"))).extracting(AuditRecord::action)
                        .contains("token.create").doesNotContain("command.start");

                // refused and unauthenticated calls are on record too
                try (BerthClient bob = new BerthClient(server.server.uri(),
                        admin.createToken(new CreateTokenRequest("bob", Role.USER, null, null, null)).secret())) {
                    org.assertj.core.api.Assertions.assertThatThrownBy(() -> bob.stopSession("audited"));
                }
                try (BerthClient nobody = new BerthClient(server.server.uri(), "berth_t_wrongwrong_nope")) {
                    org.assertj.core.api.Assertions.assertThatThrownBy(nobody::listSessions);
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> !events(admin, "auth.rejected").isEmpty());
                AuditRecord denied = events(admin, "session.stop").getFirst();
                assertThat(denied.principal()).isEqualTo("bob");
                assertThat(denied.outcome()).isEqualTo("denied");
                assertThat(denied.session()).isEqualTo("audited");
                assertThat(events(admin, "auth.rejected").getFirst().principal()).isEqualTo("anonymous");

                // auditors read it, users do not
                String auditor = admin.createToken(new CreateTokenRequest("audrey", Role.AUDITOR, null, null, null)).secret();
                try (BerthClient au = new BerthClient(server.server.uri(), auditor)) {
                    assertThat(au.audit(Map.of("session", "audited"))).isNotEmpty();
                }
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> a.audit(Map.of()))
                        .hasMessageContaining("audit");
            }
            server.removeSessionsAndClose();
        }
    }

    @Test
    void theServersOwnIdleStopIsOnRecordWithItsReason() throws Exception {
        try (TestServer server = TestServer.start(data, TestServer.lifecycle(1, 3600, 0, 0)); BerthClient admin = server.client()) {
            server.assumeSandboxes();
            admin.createSession(CreateSessionRequest.of("idler", null, null));
            await().atMost(Duration.ofSeconds(30)).until(() -> !events(admin, "session.idle-stop").isEmpty());
            AuditRecord stop = events(admin, "session.idle-stop").getFirst();
            assertThat(stop.principal()).isEqualTo("system");
            assertThat(stop.session()).isEqualTo("idler");
            assertThat(stop.details()).containsEntry("reason", "idle for 1s");
            assertThat(admin.session("idler").state().wire()).isEqualTo("stopped");
            server.removeSessionsAndClose();
        }
    }

    @Test
    void noTokenOrSecretReachesTheAuditFiles() throws Exception {
        String apiToken;
        try (TestServer server = TestServer.start(data); BerthClient admin = server.client()) {
            server.assumeSandboxes();
            apiToken = admin.createToken(new CreateTokenRequest("carol", Role.OPERATOR, null, null, null)).secret();
            admin.createSession(CreateSessionRequest.of("leaky", null, null));
            // a user pastes credentials into a command line: the command is kept, the credentials are not
            String cid = admin.startCommand("leaky", sh("echo " + server.token + " " + apiToken
                    + " 'Authorization: Bearer hunter2hunter2' --password=swordfish99")).id();
            finished(admin, "leaky", cid);
            await().atMost(Duration.ofSeconds(10)).until(() -> !events(admin, "command.exit").isEmpty());
            assertThat(events(admin, "command.start").getFirst().details().get("argv").toString())
                    .contains("echo", "[redacted]");
            server.removeSessionsAndClose();
        }
        List<String> secrets = List.of(Files.readString(data.resolve("admin.token")).strip(), apiToken,
                apiToken.substring(apiToken.lastIndexOf('_') + 1), "hunter2hunter2", "swordfish99");
        try (Stream<Path> files = Files.walk(data.resolve("audit"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                for (String s : secrets) {
                    assertThat(text).as(f + " holds a secret").doesNotContain(s);
                }
            }
        }
    }

    @Test
    void verifyFindsAnEditedByteAndSaysWhere() throws Exception {
        try (TestServer server = TestServer.start(data); BerthClient admin = server.client()) {
            for (int i = 0; i < 5; i++) {
                admin.createToken(new CreateTokenRequest("user" + i, Role.USER, null, null, null));
            }
            AuditVerification ok = admin.verifyAudit();
            assertThat(ok.ok()).isTrue();
            assertThat(ok.eventsChecked()).isGreaterThanOrEqualTo(5);
        }
        Path segment;
        try (Stream<Path> files = Files.list(data.resolve("audit").resolve("log"))) {
            segment = files.filter(f -> f.getFileName().toString().startsWith("segment-")).sorted().findFirst().orElseThrow();
        }
        List<String> lines = new ArrayList<>(Files.readAllLines(segment));
        lines.set(2, lines.get(2).replace("user", "usEr")); // one byte of the third event
        Files.write(segment, lines);
        try (TestServer server = TestServer.start(data); BerthClient admin = server.client()) {
            AuditVerification broken = admin.verifyAudit();
            assertThat(broken.ok()).isFalse();
            assertThat(broken.problem().file()).isEqualTo(segment.getFileName().toString());
            assertThat(broken.problem().line()).isEqualTo(3);
            assertThat(broken.problem().kind()).isEqualTo("hash_mismatch");
        }
    }

    @Test
    void ttysAreRecordedAndReplayable() throws Exception {
        ServerConfig config = ServerConfig.defaults(data).withAudit(AuditPolicy.DEFAULTS.withRecordTtyInput(true));
        try (TestServer server = TestServer.start(config); BerthClient admin = server.client()) {
            server.assumeSandboxes();
            admin.createSession(CreateSessionRequest.of("tty", null, null));
            CommandInfo tty = admin.startCommand("tty", new CommandRequest(null,
                    List.of("sh", "-c", "printf 'ready\\n'; read line; printf 'got %s\\n' \"$line\""), null, null, null, null,
                    null, true, new Tty(30, 100)));
            await().atMost(Duration.ofSeconds(10)).until(() -> admin.command("tty", tty.id()).endOffset() > 0);
            admin.input("tty", tty.id(), "hello\n".getBytes(StandardCharsets.UTF_8));
            finished(admin, "tty", tty.id());
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                String cast;
                try (InputStream in = admin.ttyRecording(tty.id())) {
                    cast = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                List<String> lines = cast.lines().toList();
                JsonNode header = Json.mapper().readTree(lines.getFirst());
                assertThat(header.get("version").asInt()).isEqualTo(2);
                assertThat(header.get("width").asInt()).isEqualTo(100);
                assertThat(header.get("height").asInt()).isEqualTo(30);
                StringBuilder out = new StringBuilder();
                StringBuilder in = new StringBuilder();
                for (String l : lines.subList(1, lines.size())) {
                    JsonNode e = Json.mapper().readTree(l);
                    (e.get(1).asText().equals("o") ? out : e.get(1).asText().equals("i") ? in : new StringBuilder())
                            .append(e.get(2).asText());
                }
                assertThat(out.toString()).contains("ready", "got hello");
                assertThat(in.toString()).isEqualTo("hello\n");
            });
            server.removeSessionsAndClose();
        }
    }

    @Test
    void logsFollowShowsCommandsAndTheirOutputAsTheyHappen() throws Exception {
        try (TestServer server = TestServer.start(data); BerthClient admin = server.client()) {
            server.assumeSandboxes();
            admin.createSession(CreateSessionRequest.of("followed", null, null));
            String first = admin.startCommand("followed", sh("echo before-follow")).id();
            finished(admin, "followed", first);

            BlockingQueue<JsonNode> lines = new LinkedBlockingQueue<>();
            InputStream stream = admin.sessionLogs("followed", true);
            Thread reader = Thread.ofVirtual().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        lines.add(Json.mapper().readTree(l));
                    }
                } catch (Exception closed) {
                    // the test closed the stream
                }
            });
            try {
                // the history first: the earlier command's start, then its output
                assertThat(nextOf(lines, "output").get("text").asText()).isEqualTo("before-follow\n");
                String live = admin.startCommand("followed", sh("echo live-line")).id();
                JsonNode start;
                do {
                    start = nextOf(lines, "event");
                } while (!start.get("event").get("resource").asText().equals("command/" + live));
                assertThat(start.get("event").get("action").asText()).isEqualTo("command.start");
                JsonNode out = nextOf(lines, "output");
                assertThat(out.get("command").asText()).isEqualTo(live);
                assertThat(out.get("text").asText()).isEqualTo("live-line\n");
            } finally {
                stream.close();
                reader.interrupt();
            }
            server.removeSessionsAndClose();
        }
    }

    private static JsonNode nextOf(BlockingQueue<JsonNode> lines, String type) throws InterruptedException {
        while (true) {
            JsonNode n = lines.poll(20, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(n).as("a %s line within 20 s", type).isNotNull();
            if (n.get("type").asText().equals(type)) {
                return n;
            }
        }
    }

    @Test
    void everyEventReachesAnOtlpReceiverAcrossItsOutage() throws Exception {
        try (OtlpReceiver receiver = new OtlpReceiver().start()) {
            OtlpConfig otlp = new OtlpConfig(receiver.endpoint(), Map.of(), 50, Duration.ofMillis(100),
                    Duration.ofMillis(200), "berth");
            ServerConfig config = ServerConfig.defaults(data).withAudit(AuditPolicy.DEFAULTS.withOtlp(otlp));
            try (TestServer server = TestServer.start(config); BerthClient admin = server.client()) {
                for (int i = 0; i < 20; i++) {
                    admin.createToken(new CreateTokenRequest("before" + i, Role.USER, null, null, null));
                }
                await().atMost(Duration.ofSeconds(20)).until(() -> receiver.deliveredSeqs().size() >= 20);
                receiver.stop();
                for (int i = 0; i < 30; i++) {
                    admin.createToken(new CreateTokenRequest("during" + i, Role.USER, null, null, null));
                }
                receiver.start();
                long last = admin.audit(Map.of()).getLast().seq();
                await().atMost(Duration.ofSeconds(30)).until(() -> receiver.deliveredSeqs().contains(last));
                List<Long> seqs = receiver.deliveredSeqs().stream().distinct().sorted().toList();
                assertThat(seqs).startsWith(1L);
                assertThat(seqs.getLast()).isGreaterThanOrEqualTo(last);
                for (int i = 1; i < seqs.size(); i++) {
                    assertThat(seqs.get(i)).as("no gap").isEqualTo(seqs.get(i - 1) + 1);
                }
            }
        }
    }
}
