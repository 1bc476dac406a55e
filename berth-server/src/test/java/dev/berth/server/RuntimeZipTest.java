package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import dev.berth.api.client.BerthClient;
import dev.berth.api.model.ApiException;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.RuntimeInfo;
import dev.berth.api.model.SessionInfo;
import dev.berth.runtimes.testing.TestAgents;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Python and Node.js project zips deployed, invoked by session id and supervised, through the real API. */
@Timeout(240)
class RuntimeZipTest {
    @TempDir
    Path data;
    @TempDir
    Path work;

    TestServer server;
    BerthClient client;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(dev.berth.server.config.ServerConfig.defaults(data)
                .withRuntimes(dev.berth.server.config.RuntimePolicy.DEFAULTS.withPingInterval(Duration.ofMillis(200))));
        server.assumeSandboxes();
        client = server.client();
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.removeSessionsAndClose();
        }
    }

    @Test
    void aPythonZipIsDeployedInvokedBySessionAndStreamsChunkByChunk() throws Exception {
        RuntimeInfo v1 = client.deployZip("py", TestAgents.pythonZip(work), "python", null);
        assertThat(v1.version()).isEqualTo(1);
        assertThat(v1.kind()).isEqualTo("zip");
        assertThat(v1.entrypoint()).containsExactly("python3", "/app/main.py");

        try (BerthClient.Invocation first = invoke("py", "py-a", "{\"prompt\":\"ada\",\"waitFor\":\"/mnt/workspace/go\"}")) {
            assertThat(first.contentType()).startsWith("text/event-stream");
            JsonNode part1 = event(first.body());
            assertThat(part1.path("greeting").asText()).isEqualTo("hello ada from python");
            assertThat(part1.path("host").asText()).isEqualTo("py-a");
            assertThat(part1.path("session").asText()).isEqualTo("py-a");
            assertThat(part1.path("count").asInt()).isEqualTo(1);
            // part 2 waits for this file: had part 1 been held back until the end, we would never get here
            run("py-a", "touch /mnt/workspace/go");
            assertThat(event(first.body()).path("done").asBoolean()).isTrue();
            assertThat(first.body().read()).as("the stream ends after the agent's last chunk").isEqualTo(-1);
        }
        assertThat(part1Of(invoke("py", "py-a", "{}")).path("count").asInt()).as("the same sandbox, again").isEqualTo(2);
        JsonNode other = part1Of(invoke("py", "py-b", "{}"));
        assertThat(other.path("host").asText()).isEqualTo("py-b");
        assertThat(other.path("count").asInt()).as("another session has its own root filesystem").isEqualTo(1);

        SessionInfo a = client.session("py-a");
        assertThat(a.runtime()).isEqualTo("py@1");
        assertThat(a.agent().status()).isIn("healthy", "busy");
        assertThat(a.agent().commandId()).startsWith("agent-1-");
        assertThat(client.runtime("py", null).sessions()).isEqualTo(2);

        RuntimeInfo v2 = client.deployZip("py", TestAgents.pythonZip(work.resolve("again")), "python", "main.py");
        assertThat(v2.version()).isEqualTo(2);
        assertThat(client.runtime("py", 1).version()).as("versions are kept, each immutable").isEqualTo(1);
        assertThatThrownBy(() -> client.deleteRuntime("py", 1)).isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.RUNTIME_IN_USE));
        assertThat(client.deleteRuntime("py", 2)).isEqualTo(1);
    }

    @Test
    void aNodeZipGetsItsNpmDependenciesAtDeployAndStreams() throws Exception {
        RuntimeInfo v1 = client.deployZip("node", TestAgents.nodeZip(work), "node", null);
        assertThat(v1.entrypoint()).containsExactly("node", "/app/server.js");
        try (BerthClient.Invocation inv = invoke("node", "node-a", "{\"prompt\":\"bo\",\"waitFor\":\"/mnt/workspace/go\"}")) {
            JsonNode part1 = event(inv.body());
            assertThat(part1.path("greeting").asText()).isEqualTo("hello bo from node");
            assertThat(part1.path("twoSeconds").asInt()).as("ms, from npm").isEqualTo(2000);
            assertThat(part1.path("host").asText()).isEqualTo("node-a");
            run("node-a", "touch /mnt/workspace/go");
            assertThat(event(inv.body()).path("done").asBoolean()).isTrue();
        }
    }

    @Test
    void anAgentThatExitsOrStopsAnsweringIsRestartedAndReported() throws Exception {
        client.deployZip("py", TestAgents.pythonZip(work), "python", null);
        client.createSession(new CreateSessionRequest("crashy", null, null, null, null, null, "py"));
        await().atMost(Duration.ofSeconds(30)).until(() -> "healthy".equals(client.session("crashy").agent().status()));

        try (BerthClient.Invocation ignored = invoke("py", "crashy", "{\"exit\": 3}")) {
            ignored.body().readAllBytes();
        } catch (IOException | ApiException cut) {
            // the agent died mid-answer: that is the point
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            var agent = client.session("crashy").agent();
            assertThat(agent.restarts()).isEqualTo(1);
            assertThat(agent.status()).isEqualTo("healthy");
            assertThat(agent.commandId()).startsWith("agent-2-");
        });
        assertThat(part1Of(invoke("py", "crashy", "{}")).path("count").asInt()).isGreaterThanOrEqualTo(1);

        run("crashy", "touch /mnt/workspace/hang");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            var agent = client.session("crashy").agent();
            assertThat(agent.restarts()).as("the hung agent was restarted").isEqualTo(2);
            assertThat(agent.detail()).contains("/ping");
        });
        run("crashy", "rm /mnt/workspace/hang");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(client.session("crashy").agent().status()).isEqualTo("healthy"));
    }

    @Test
    void withRestartNeverAnExitedAgentIsReportedNotRestartedAndInvocationsSaySo() throws Exception {
        server.close();
        server = TestServer.start(dev.berth.server.config.ServerConfig.defaults(data.resolve("never"))
                .withRuntimes(dev.berth.server.config.RuntimePolicy.DEFAULTS.withPingInterval(Duration.ofMillis(200))
                        .withRestart(dev.berth.server.config.RuntimePolicy.Restart.NEVER)));
        client = server.client();
        client.deployZip("py", TestAgents.pythonZip(work), "python", null);
        assertThat(part1Of(invoke("py", "once", "{}")).path("count").asInt()).isEqualTo(1);
        try (BerthClient.Invocation ignored = invoke("py", "once", "{\"exit\": 0}")) {
            ignored.body().readAllBytes();
        } catch (IOException | ApiException cut) {
            // the agent exits mid-answer
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            var agent = client.session("once").agent();
            assertThat(agent.status()).isEqualTo("exited");
            assertThat(agent.detail()).contains("exited with code 0");
            assertThat(agent.restarts()).isZero();
        });
        assertThatThrownBy(() -> invoke("py", "once", "{}"))
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.AGENT_UNAVAILABLE));
        assertThat(client.session("once").agent().commandId()).as("no new agent was started").startsWith("agent-1-");
    }

    @Test
    void hostileOrBrokenZipsAreRefusedAndTheStoreIsUnchanged() throws Exception {
        client.deployZip("ok", TestAgents.pythonZip(work), "python", null);
        List<String> before = storeListing();
        Map<String, ErrorCode> cases = Map.of(
                "slip.zip", ErrorCode.ARCHIVE_UNSAFE_PATH,
                "noentry.zip", ErrorCode.RUNTIME_NO_ENTRYPOINT,
                "garbage.zip", ErrorCode.ARCHIVE_CORRUPT);
        TestAgents.zip(work.resolve("slip.zip"), Map.of("main.py", "print(1)\n", "../../evil.py", "boom\n"));
        TestAgents.zip(work.resolve("noentry.zip"), Map.of("readme.txt", "no code\n"));
        Files.writeString(work.resolve("garbage.zip"), "PK\u0003\u0004 not really a zip");
        for (var c : cases.entrySet()) {
            assertThatThrownBy(() -> client.deployZip("bad", work.resolve(c.getKey()), "python", null))
                    .as(c.getKey()).isInstanceOf(ApiException.class)
                    .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(c.getValue()));
        }
        assertThatThrownBy(() -> client.deployZip("bad", TestAgents.pythonZip(work.resolve("x")), "cobol", null))
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.RUNTIME_INVALID_PROJECT));
        assertThatThrownBy(() -> client.deployZip("Bad Name", TestAgents.pythonZip(work.resolve("y")), "python", null))
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.INVALID_RUNTIME_NAME));
        assertThat(storeListing()).as("nothing left behind").isEqualTo(before);
        assertThat(client.listRuntimes()).extracting(RuntimeInfo::name).containsExactly("ok");
        assertThatThrownBy(() -> invoke("nope", "s1", "{}"))
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.RUNTIME_NOT_FOUND));
    }

    private List<String> storeListing() throws IOException {
        Path root = data.resolve("runtimes");
        try (Stream<Path> s = Files.walk(root, 2)) {
            return s.filter(p -> !p.startsWith(root.resolve("npm-cache")) && !p.startsWith(root.resolve("blobs")))
                    .map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    private BerthClient.Invocation invoke(String runtime, String session, String json) {
        return client.invoke(runtime, session, json.getBytes(StandardCharsets.UTF_8), "application/json");
    }

    private static JsonNode part1Of(BerthClient.Invocation inv) throws IOException {
        try (inv) {
            JsonNode first = event(inv.body());
            inv.body().readAllBytes();
            return first;
        }
    }

    private void run(String session, String shell) throws Exception {
        var done = CommandsApiTest.collect(client.runCommand(session, CommandRequest.shell(shell)));
        assertThat(done.exit().status().code()).as(done.stderr()).isZero();
    }

    /** One server-sent event's data, read as it arrives. */
    static JsonNode event(InputStream in) throws IOException {
        String text = TestAgents.nextEvent(in).strip();
        assertThat(text).startsWith("data: ");
        return Json.mapper().readTree(text.substring(6));
    }
}
