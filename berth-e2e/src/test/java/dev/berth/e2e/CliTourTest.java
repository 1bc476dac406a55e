package dev.berth.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The user's path through the real CLI against a real server process. */
@Timeout(300)
class CliTourTest {
    @TempDir
    static Path data;

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
            // sessions outlive the server by design: remove them, or their sandboxes stay up
            for (JsonNode s : Json.mapper().readTree(cli.run("session", "ls", "--json").stdout())) {
                cli.run("session", "rm", s.get("id").asText());
            }
            server.close();
        }
    }

    @Test
    void theTourFromTheReadme() throws Exception {
        assertThat(cli.run("session", "create", "demo").stdout()).isEqualTo("demo\n");
        Cli.Result init = cli.run("run", "demo", "--", "sh", "-c", "cd /mnt/workspace && git init -q && echo hi > f");
        assertThat(init.exit()).as(init.stderr()).isZero();
        Cli.Result cat = cli.run("run", "demo", "--", "cat", "/mnt/workspace/f");
        assertThat(cat.stdout()).isEqualTo("hi\n");
        assertThat(cat.exit()).isZero();

        Cli.Result ls = cli.run("session", "ls");
        assertThat(ls.stdout()).startsWith("ID").contains("demo").contains("running");
        assertThat(sessionState("demo")).isEqualTo("running");

        assertThat(cli.run("session", "stop", "demo").exit()).isZero();
        assertThat(sessionState("demo")).isEqualTo("stopped");
        Cli.Result resumed = cli.run("run", "demo", "--", "ls", "-A", "/mnt/workspace");
        assertThat(resumed.stdout()).isEqualTo(".git\nf\n");

        assertThat(cli.run("session", "rm", "demo").exit()).isZero();
        Cli.Result gone = cli.run("run", "demo", "--", "true");
        assertThat(gone.exit()).isEqualTo(125);
        assertThat(gone.stderr()).contains("session_not_found");
    }

    @Test
    void aSessionForksIntoCopiesOfItsWorkspace() throws Exception {
        cli.run("session", "create", "forked");
        assertThat(cli.run("run", "forked", "--", "sh", "-c", "echo kept > /mnt/workspace/f").exit()).isZero();

        Cli.Result fork = cli.run("session", "fork", "forked", "tine", "--count", "2");
        assertThat(fork.exit()).as(fork.stderr()).isZero();
        assertThat(fork.stdout()).isEqualTo("tine-1\ntine-2\n");
        assertThat(cli.run("run", "tine-2", "--", "cat", "/mnt/workspace/f").stdout()).isEqualTo("kept\n");
        assertThat(sessionState("forked")).isEqualTo("running");

        Cli.Result json = cli.run("session", "fork", "forked", "single", "--json");
        assertThat(Json.mapper().readTree(json.stdout()).get(0).get("id").asText()).isEqualTo("single");

        Cli.Result taken = cli.run("session", "fork", "forked", "single");
        assertThat(taken.exit()).isNotZero();
        assertThat(taken.stderr()).contains("session_exists");
        Cli.Result tooMany = cli.run("session", "fork", "forked", "many", "--count", "65");
        assertThat(tooMany.stderr()).contains("invalid_field");
    }

    /** The state `session ls --json` reports for {@code id} (other tests' sessions share the server). */
    private static String sessionState(String id) throws Exception {
        for (JsonNode s : Json.mapper().readTree(cli.run("session", "ls", "--json").stdout())) {
            if (s.get("id").asText().equals(id)) {
                return s.get("state").asText();
            }
        }
        throw new AssertionError("session " + id + " not listed");
    }

    @Test
    void exitStatusStdinAndStreamsPassThrough() throws Exception {
        cli.run("session", "create", "codes");
        Cli.Result r = cli.run("run", "codes", "--", "sh", "-c", "echo to-out; echo to-err >&2; exit 42");
        assertThat(r.exit()).isEqualTo(42);
        assertThat(r.stdout()).isEqualTo("to-out\n");
        assertThat(r.stderr()).isEqualTo("to-err\n");
        assertThat(cli.run("run", "codes", "--", "sh", "-c", "kill -INT $$").exit()).isEqualTo(130);
        Cli.Result piped = cli.run("typed\n".getBytes(StandardCharsets.UTF_8), "run", "-i", "codes", "--", "tr", "a-z", "A-Z");
        assertThat(piped.stdout()).isEqualTo("TYPED\n");
        Cli.Result env = cli.run("run", "-e", "X=1", "-w", "/tmp", "codes", "--", "sh", "-c", "echo $X $(pwd)");
        assertThat(env.stdout()).isEqualTo("1 /tmp\n");
    }

    @Test
    void detachAttachAndCommandList() throws Exception {
        cli.run("session", "create", "bg");
        Cli.Result detached = cli.run("run", "--detach", "bg", "--", "sh", "-c", "printf abcdef; exit 3");
        String id = detached.stdout().strip();
        assertThat(id).matches("c-[a-z0-9]+");
        Cli.Result attached = cli.run("attach", "bg", id, "--offset", "2");
        assertThat(attached.stdout()).isEqualTo("cdef");
        assertThat(attached.exit()).isEqualTo(3);
        Cli.Result list = cli.run("command", "ls", "bg");
        assertThat(list.stdout()).contains(id).contains("exited").contains("printf abcdef");
    }

    @Test
    void withoutTheTokenNothingIsAnswered() throws Exception {
        Cli.Result r = new Cli(data, Map.of("BERTH_TOKEN", "wrong")).run("session", "ls");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.stderr()).contains("unauthorized").doesNotContain("Exception");
    }

    @Test
    void aGibibyteStreamsCompletelyThroughASmallHeapServer() throws Exception {
        Path smallData = data.resolve("small-heap");
        Cli small = new Cli(smallData, Map.of("BERTH_JAVA_OPTS", "-Xmx96m"));
        try (ServerProcess s = ServerProcess.start(small, smallData)) {
            small.run("session", "create", "bulk");
            Process p = small.builder(java.util.List.of("run", "bulk", "--", "head", "-c", "1073741824", "/dev/zero"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            long count = 0;
            byte[] buf = new byte[1 << 16];
            try (var in = p.getInputStream()) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    count += n;
                }
            }
            assertThat(p.waitFor()).isZero();
            assertThat(count).isEqualTo(1L << 30);
            assertThat(s.process.isAlive()).as("server survived with a 96 MiB heap").isTrue();
            small.run("session", "rm", "bulk");
        }
    }

    @Test
    void versionAndHelpAreTrueToTheCode() throws Exception {
        assertThat(cli.run("--version").stdout()).startsWith("berth ");
        Cli.Result help = cli.run("--help");
        assertThat(help.stdout()).contains("serve", "up", "down", "status", "session", "run", "attach", "command")
                .doesNotContain("aot-train");
    }

    @Test
    void theLauncherExplainsAMissingJdk(@TempDir Path empty) throws Exception {
        Cli noJdk = new Cli(data, Map.of("JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64",
                "BERTH_JDK_SEARCH", empty.toString()));
        Cli.Result r = noJdk.run("--version");
        assertThat(r.exit()).isEqualTo(127);
        assertThat(r.stderr()).contains("no JDK 25 or newer found").contains("JAVA_HOME");
        assertThat(Files.exists(empty)).isTrue();
    }
}
