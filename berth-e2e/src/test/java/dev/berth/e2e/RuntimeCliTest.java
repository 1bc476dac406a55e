package dev.berth.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import dev.berth.runtimes.testing.AgentImage;
import dev.berth.runtimes.testing.TestAgents;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** `berth runtime …`, `berth invoke` and `session create --runtime` through the real CLI and server. */
@Timeout(300)
class RuntimeCliTest {
    @TempDir
    static Path data;
    @TempDir
    static Path work;

    static Cli cli;
    static ServerProcess server;

    @BeforeAll
    static void start() throws Exception {
        cli = new Cli(data, Map.of());
        server = ServerProcess.start(cli, data);
        cli.assumeSandboxes();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            for (JsonNode s : Json.mapper().readTree(cli.run("session", "ls", "--json").stdout())) {
                cli.run("session", "rm", s.get("id").asText());
            }
            server.close();
        }
    }

    @Test
    void aZipIsDeployedAndInvokePrintsTheAgentsStreamAsItComes() throws Exception {
        Cli.Result deployed = cli.run("runtime", "deploy", "py", "--zip", TestAgents.pythonZip(work).toString(), "--lang", "python");
        assertThat(deployed.exit()).as(deployed.stderr()).isZero();
        assertThat(deployed.stdout()).startsWith("py@1 sha256:");

        Process invoke = cli.builder(List.of("invoke", "py", "--session", "e1", "--data",
                "{\"prompt\":\"cli\",\"waitFor\":\"/mnt/workspace/go\"}")).start();
        InputStream out = invoke.getInputStream();
        String first = TestAgents.nextEvent(out);
        assertThat(first).contains("\"greeting\": \"hello cli from python\"").contains("\"host\": \"e1\"");
        // the agent holds its last part until this file exists: the CLI printed the first part before the end
        Cli.Result go = cli.run("run", "e1", "--", "touch", "/mnt/workspace/go");
        assertThat(go.exit()).as(go.stderr()).isZero();
        assertThat(TestAgents.nextEvent(out)).contains("\"done\": true");
        assertThat(invoke.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(invoke.exitValue()).isZero();

        Path payload = Files.writeString(work.resolve("payload.json"), "{\"prompt\":\"file\"}");
        Cli.Result fromFile = cli.run("invoke", "py", "-s", "e1", "-d", "@" + payload);
        assertThat(fromFile.stdout()).contains("hello file from python").contains("\"count\": 2");

        assertThat(cli.run("runtime", "ls").stdout()).contains("py").contains("zip").contains("python-agent.zip (python)");
        Cli.Result sessions = cli.run("session", "ls");
        assertThat(sessions.stdout()).contains("RUNTIME").contains("py@1").contains("healthy");

        Cli.Result inUse = cli.run("runtime", "rm", "py", "--version", "1");
        assertThat(inUse.exit()).isNotZero();
        assertThat(inUse.stderr()).contains("runtime_in_use").contains("e1");
    }

    @Test
    void anImageRuntimePinnedByVersionAndTheRefusalsUsersMeet() throws Exception {
        Path layout = AgentImage.build(work.resolve("image"), 0).writeLayout(work.resolve("layout"), "v1");
        Cli.Result deployed = cli.run("runtime", "deploy", "img", "--image", "oci-layout:" + layout + ":v1");
        assertThat(deployed.exit()).as(deployed.stderr()).isZero();
        assertThat(cli.run("session", "create", "e2", "--runtime", "img@1").exit()).isZero();
        Cli.Result inv = cli.run("invoke", "img", "-s", "e2");
        assertThat(inv.exit()).as(inv.stderr()).isZero();
        assertThat(inv.stdout()).contains("\"host\":\"e2\"").contains("\"greeting\":\"" + AgentImage.GREETING + "\"");
        JsonNode shown = Json.mapper().readTree(cli.run("runtime", "show", "img", "--version", "1").stdout());
        assertThat(shown.get("entrypoint").get(0).asText()).isEqualTo("/bin/agent");

        Cli.Result mismatch = cli.run("invoke", "py-none", "-s", "e2");
        assertThat(mismatch.exit()).isNotZero();
        assertThat(mismatch.stderr()).contains("runtime_not_found");
        Path slip = TestAgents.zip(work.resolve("slip.zip"), Map.of("main.py", "x\n", "../up.py", "y\n"));
        Cli.Result hostile = cli.run("runtime", "deploy", "bad", "--zip", slip.toString(), "--lang", "python");
        assertThat(hostile.exit()).isNotZero();
        assertThat(hostile.stderr()).contains("archive_unsafe_path").doesNotContain("Exception");
        Cli.Result noLang = cli.run("runtime", "deploy", "bad", "--zip", slip.toString());
        assertThat(noLang.exit()).isNotZero();
        assertThat(noLang.stderr()).contains("--lang");
        assertThat(cli.run("runtime", "deploy", "--help").stdout()).contains("--image").contains("--zip").contains("--entrypoint");
    }
}
