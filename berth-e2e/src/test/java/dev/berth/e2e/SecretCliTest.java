package dev.berth.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** `berth secret set|ls|rm` through the real CLI and server: values go in, and never come out. */
@Timeout(300)
class SecretCliTest {
    private static final String VALUE = "ghp_CanaryE2eValue0x5eC7";

    @TempDir
    static Path data;
    @TempDir
    static Path etc;

    static Cli admin;
    static ServerProcess server;

    @BeforeAll
    static void start() throws Exception {
        admin = new Cli(data, Map.of());
        server = ServerProcess.start(admin, data, 0, "--secrets-key-file", etc.resolve("berth/secrets.key").toString());
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

    @Test
    void setListAndRemoveWithTheValueNowhereInWhatComesBack() throws Exception {
        Cli.Result set = admin.run((VALUE + "\n").getBytes(StandardCharsets.UTF_8), "secret", "set", "github-token", "--from-stdin");
        assertThat(set.exit()).as(set.stderr()).isZero();
        assertThat(set.stdout()).isEqualTo("secret github-token stored\n");
        Path key = etc.resolve("berth/secrets.key");
        assertThat(Files.getPosixFilePermissions(key)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.readString(server.log)).contains("Secrets: key file " + key);

        // stdin that is not a terminal is read without asking; a file's bytes are kept as they are
        assertThat(admin.run("second-value".getBytes(StandardCharsets.UTF_8), "secret", "set", "piped").stdout())
                .isEqualTo("secret piped stored\n");
        Path file = etc.resolve("value.pem");
        Files.writeString(file, "-----BEGIN-----\nline\n");
        assertThat(admin.run("secret", "set", "from-file", "--from-file", file.toString()).exit()).isZero();
        assertThat(admin.run((VALUE + "\n").getBytes(StandardCharsets.UTF_8), "secret", "set", "github-token", "--from-stdin")
                .stdout()).isEqualTo("secret github-token replaced\n");

        Cli.Result ls = admin.run("secret", "ls");
        assertThat(ls.exit()).as(ls.stderr()).isZero();
        assertThat(ls.stdout()).contains("NAME").contains("github-token").contains("piped").contains("from-file").contains("admin")
                .doesNotContain(VALUE).doesNotContain("second-value").doesNotContain("BEGIN");
        JsonNode json = Json.mapper().readTree(admin.run("secret", "ls", "--json").stdout());
        assertThat(json.findValuesAsText("name")).contains("from-file", "github-token", "piped").isSorted();
        assertThat(json.toString()).doesNotContain(VALUE);

        Cli.Result rm = admin.run("secret", "rm", "piped");
        assertThat(rm.exit()).as(rm.stderr()).isZero();
        assertThat(rm.stdout()).isEqualTo("secret piped deleted\n");
        Cli.Result gone = admin.run("secret", "rm", "piped");
        assertThat(gone.exit()).isEqualTo(1);
        assertThat(gone.stderr()).contains("secret_not_found");
        assertThat(admin.run("secret", "ls").stdout()).doesNotContain("piped");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Cli.Result audit = admin.run("audit", "ls", "--action", "secret.", "--json");
            assertThat(audit.exit()).as(audit.stderr()).isZero();
            JsonNode events = Json.mapper().readTree(audit.stdout());
            assertThat(events.findValuesAsText("action")).contains("secret.set", "secret.rm");
            assertThat(events.findValuesAsText("resource")).contains("secret/github-token", "secret/piped");
            assertThat(audit.stdout()).doesNotContain(VALUE).doesNotContain("second-value");
        });
        Cli.Result table = admin.run("audit", "ls", "--action", "secret.set");
        assertThat(table.stdout()).contains("secret.set").contains("github-token").doesNotContain(VALUE);
    }

    @Test
    void usageMistakesAndOtherRolesAreRefused() throws Exception {
        Cli.Result help = admin.run("secret", "set", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.stdout()).contains("--from-file").contains("--from-stdin").contains("without echo").contains("64 KiB");
        Cli.Result both = admin.run("secret", "set", "x", "--from-file", "/dev/null", "--from-stdin");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.stderr()).contains("mutually exclusive");
        Cli.Result badName = admin.run("v".getBytes(StandardCharsets.UTF_8), "secret", "set", "no!pe", "--from-stdin");
        assertThat(badName.exit()).isEqualTo(1);
        assertThat(badName.stderr()).contains("invalid_secret_name");
        Cli.Result empty = admin.run(new byte[0], "secret", "set", "empty", "--from-stdin");
        assertThat(empty.exit()).isEqualTo(2);
        assertThat(empty.stderr()).contains("empty");

        String userToken = admin.run("token", "create", "--user", "uma", "--role", "operator").stdout().strip();
        Cli uma = new Cli(data, Map.of("BERTH_TOKEN", userToken));
        Cli.Result refused = uma.run("secret", "ls");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.stderr()).contains("forbidden");
    }

    @Test
    void onATerminalTheValueIsAskedForWithoutEcho() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Tmux.available(), "tmux is not installed (.ci/run installs it)");
        String typed = "Typed-At-A-Prompt-" + Long.toHexString(System.nanoTime());
        String berth = "BERTH_DIST=" + Cli.DIST + " BERTH_CREDENTIALS=" + data.resolve("no-login.json") + " "
                + Cli.ROOT.resolve("berth") + " --home " + data;
        try (Tmux t = Tmux.start("secret-prompt", 100, 20, berth + " secret set prompted; echo berth-exit=$?; sleep 600")) {
            t.await("Value of prompted (not shown):");
            t.type(typed);
            String screen = t.await("berth-exit=");
            assertThat(screen).contains("secret prompted stored").contains("berth-exit=0").doesNotContain(typed);
        }
        // the server knows exactly what was typed: pasted where an audited call echoes it, it is masked
        Cli.Result echoed = admin.run("session", "create", typed);
        assertThat(echoed.stderr()).contains("invalid_session_id");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String events = admin.run("audit", "ls", "--action", "session.create", "--json").stdout();
            assertThat(events).contains("[redacted]").doesNotContain(typed);
        });
    }

    @Test
    void aValueTypedIntoASandboxedCommandIsMaskedInTheAudit() throws Exception {
        admin.assumeSandboxes();
        String value = "sandbox-canary-" + Long.toHexString(System.nanoTime());
        assertThat(admin.run(value.getBytes(StandardCharsets.UTF_8), "secret", "set", "typed", "--from-stdin").exit()).isZero();
        assertThat(admin.run("session", "create", "secretive").exit()).isZero();
        Cli.Result run = admin.run("run", "secretive", "--", "echo", value);
        assertThat(run.exit()).as(run.stderr()).isZero();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Cli.Result audit = admin.run("audit", "ls", "--session", "secretive", "--action", "command.start", "--json");
            assertThat(audit.stdout()).contains("[redacted]").doesNotContain(value);
        });
        try (Stream<Path> files = Files.walk(data.resolve("audit"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(f, StandardCharsets.ISO_8859_1).contains(value)).as(f.toString()).isFalse();
            }
        }
    }
}
