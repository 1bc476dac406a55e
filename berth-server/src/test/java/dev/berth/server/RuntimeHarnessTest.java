package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.api.client.BerthClient;
import dev.berth.api.model.ApiException;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.HarnessInfo;
import dev.berth.api.model.RuntimeInfo;
import dev.berth.runtimes.harness.Harness;
import dev.berth.runtimes.harness.Harnesses;
import dev.berth.runtimes.harness.Step;
import dev.berth.runtimes.harness.StepParser;
import dev.berth.runtimes.harness.Turn;
import dev.berth.server.gateway.GatewayAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Harness runtimes deployed through the real API, and a turn run in a session of one as a command. */
@Timeout(300)
class RuntimeHarnessTest {
    @TempDir
    Path data;

    TestServer server;
    BerthClient client;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(dev.berth.server.config.ServerConfig.defaults(data));
        client = server.client();
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.removeSessionsAndClose();
        }
    }

    @Test
    void aCustomHarnessRunsATurnAsACommandAndNoAgentIsStarted() throws Exception {
        String cmd = "echo \"got: $BERTH_PROMPT ($BERTH_ITERATION, $BERTH_MODEL)\"; "
                + "printf '{\"type\":\"step\",\"kind\":\"command\",\"text\":\"ls\",\"exitCode\":3}\\n'";
        RuntimeInfo r = client.deployHarness("loop", "custom", "gpt-5", cmd, null, false);
        assertThat(r.kind()).isEqualTo("harness");
        assertThat(r.entrypoint()).isEmpty();
        assertThat(r.workingDir()).isEqualTo("/mnt/workspace");
        assertThat(r.harness()).isEqualTo(new HarnessInfo("custom", "gpt-5", cmd, null));
        assertThat(client.runtime("loop", null).harness()).isEqualTo(r.harness());

        server.assumeSandboxes();
        client.createSession(new CreateSessionRequest("h1", null, null, null, null, null, "loop"));
        assertThat(client.session("h1").agent().status()).isEqualTo("harness");

        Harness custom = Harnesses.named("custom");
        Turn turn = new Turn("it's \"fine\" $(whoami)", r.harness().model(), 1, r.harness().command());
        var env = new java.util.LinkedHashMap<>(custom.env(turn, GatewayAddress.URL));
        var done = CommandsApiTest.collect(client.runCommand("h1", new CommandRequest(null, custom.argv(turn), env,
                "/mnt/workspace", null, null, 30L, null)));
        assertThat(done.exit().status().code()).as(done.stderr()).isZero();
        StepParser p = custom.parser();
        List<Step> steps = new ArrayList<>();
        done.stdout().lines().forEach(l -> steps.addAll(p.line(l)));
        assertThat(steps).containsExactly(new Step(Step.Kind.MESSAGE, "got: it's \"fine\" $(whoami) (1, gpt-5)", null, null),
                new Step(Step.Kind.COMMAND, "ls", null, 3));
        // an invocation is one turn, its steps streamed back as they are parsed
        assertThatThrownBy(() -> client.invoke("loop", "h1", "{}".getBytes(StandardCharsets.UTF_8), "application/json"))
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.MISSING_FIELD))
                .hasMessageContaining("prompt");
        try (var inv = client.invoke("loop", "h1", "{\"prompt\":\"fix it\",\"model\":\"gpt-5-mini\"}"
                .getBytes(StandardCharsets.UTF_8), "application/json")) {
            assertThat(inv.status()).isEqualTo(200);
            List<com.fasterxml.jackson.databind.JsonNode> lines = new ArrayList<>();
            for (String l : new String(inv.body().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                lines.add(dev.berth.api.Json.mapper().readTree(l));
            }
            assertThat(lines).hasSize(3);
            assertThat(lines.get(0).get("kind").asText()).isEqualTo("message");
            assertThat(lines.get(0).get("text").asText()).isEqualTo("got: fix it (1, gpt-5-mini)");
            assertThat(lines.get(1).get("kind").asText()).isEqualTo("command");
            assertThat(lines.get(1).get("exitCode").asInt()).isEqualTo(3);
            assertThat(lines.get(2).get("type").asText()).isEqualTo("end");
            assertThat(lines.get(2).get("exitCode").asInt()).isZero();
            assertThat(lines.get(2).get("steps").asInt()).isEqualTo(2);
        }
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(client.audit(java.util.Map.of("session", "h1", "action", "agent.step")))
                        .extracting(a -> a.details().get("kind")).contains("message", "command"));
        assertThat(client.session("h1").agent().status()).as("still not an agent").isEqualTo("harness");
    }

    @Test
    void refusalsHaveStableCodes() {
        assertThatThrownBy(() -> client.deployHarness("k", "kiro", null, null, null, false))
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.HARNESS_NOT_INSTALLABLE))
                .hasMessageContaining("kiro-cli").hasMessageContaining("--image");
        assertThatThrownBy(() -> client.deployHarness("k", "aider", null, null, null, false))
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.HARNESS_UNKNOWN))
                .hasMessageContaining("claude-code, codex, gemini, opencode, kiro, cursor, custom");
        assertThatThrownBy(() -> client.deployHarness("k", "custom", null, null, null, false))
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.MISSING_FIELD));
        assertThatThrownBy(() -> client.deployHarness("k", "codex", null, "echo", null, false))
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.INVALID_FIELD));
        assertThat(client.listRuntimes()).isEmpty();
    }

    @Test
    void anNpmHarnessIsInstalledByTheServerAndStartsInASession() throws Exception {
        assumeTrue(registryReachable(), "the npm registry is not reachable");
        RuntimeInfo r = client.deployHarness("gem", "gemini", "gemini-2.5-pro", null, null, false);
        assertThat(r.kind()).isEqualTo("harness");
        assertThat(r.source()).isEqualTo("gemini (@google/gemini-cli@0.61.0)");
        assertThat(r.harness()).isEqualTo(new HarnessInfo("gemini", "gemini-2.5-pro", null, "0.61.0"));
        assertThat(r.env()).containsEntry("BERTH_HARNESS", "gemini").containsEntry("BERTH_MODEL", "gemini-2.5-pro");
        RuntimeInfo again = client.deployHarness("gem", "gemini", null, null, null, false);
        assertThat(again.version()).isEqualTo(2);
        assertThat(again.sizeBytes()).isEqualTo(r.sizeBytes());

        server.assumeSandboxes();
        client.createSession(new CreateSessionRequest("g1", null, null, null, null, null, "gem"));
        var done = CommandsApiTest.collect(client.runCommand("g1", CommandRequest.argv(List.of("gemini", "--version"))));
        assertThat(done.exit().status().code()).as(done.stderr()).isZero();
        assertThat(done.stdout()).contains("0.61.0");
    }

    private static boolean registryReachable() throws Exception {
        try {
            Process p = new ProcessBuilder("npm", "view", "@google/gemini-cli@0.61.0", "version").redirectErrorStream(true).start();
            boolean done = p.waitFor(60, TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly();
            }
            return done && p.exitValue() == 0;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
