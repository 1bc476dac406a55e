package dev.berth.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.api.client.BerthClient;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.CommandState;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.SessionState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sessions outlive the server: a command keeps running while {@code berth serve} is killed (or
 * stopped) and started again, and its output, re-read from offset 0, has every line exactly once.
 */
@Timeout(300)
class SurvivalTest {
    /** Prints "N MILLIS" every 50 ms: the numbers show nothing was lost or repeated, the times when each line was written. */
    private static String counter(int lines) {
        return "i=0; while [ $i -lt " + lines + " ]; do echo \"$i $(date +%s%3N)\"; i=$((i+1)); sleep 0.05; done";
    }

    /** One line of the counter is "N 1700000000000\n": at least 16 bytes. */
    private static final int LINE_BYTES = 16;

    @TempDir
    Path data;

    Cli cli;
    ServerProcess server;

    @BeforeEach
    void startServer() throws Exception {
        cli = new Cli(data, Map.of());
        server = ServerProcess.start(cli, data);
        Map<String, Object> health = server.client().health();
        assumeTrue(Boolean.TRUE.equals(health.get("driverAvailable")), () -> "sandboxes unavailable: " + health.get("driverProblem"));
    }

    @AfterEach
    void removeSessions() {
        Host.tearDown(cli, data, server);
    }

    @Test
    void aCommandPrintsThroughAKill9AndItsOutputHasEveryLineOnceInOrder() throws Exception {
        int lines = 400;
        BerthClient api = server.client();
        api.createSession(CreateSessionRequest.of("survivor", null, null));
        String cid = api.startCommand("survivor", CommandRequest.shell(counter(lines))).id();
        await().atMost(Duration.ofSeconds(30)).until(() -> api.command("survivor", cid).endOffset() >= 10L * LINE_BYTES);

        server.kill9();
        long killedAt = System.currentTimeMillis();
        long bytesAtKill = Host.outputLogBytes(data, "survivor", cid);
        long shim = Host.shimPid(data, "survivor");
        assertThat(Host.isShim(shim)).as("shim %d alive after the server's kill -9", shim).isTrue();
        // the shim alone keeps the command running and its output logged: twenty more lines with no server at all
        await().atMost(Duration.ofSeconds(30))
                .until(() -> Host.outputLogBytes(data, "survivor", cid) >= bytesAtKill + 20L * LINE_BYTES);
        long restartedAt = System.currentTimeMillis();

        server = ServerProcess.start(cli, data);
        BerthClient again = server.client();
        assertThat(again.session("survivor").state()).as("re-adopted").isEqualTo(SessionState.RUNNING);
        assertThat(again.command("survivor", cid).state()).isEqualTo(CommandState.RUNNING);
        assertThat(Files.readString(server.log)).contains("1 running sessions re-adopted");
        Cli.Result echo = cli.run("run", "survivor", "--", "echo", "still here");
        assertThat(echo.stdout()).as(echo.stderr()).isEqualTo("still here\n");

        Cli.Result out = cli.run("attach", "survivor", cid);
        assertThat(out.exit()).as(out.stderr()).isZero();
        List<long[]> printed = parse(out.stdout());
        assertThat(printed).extracting(l -> (int) l[0]).containsExactlyElementsOf(IntStream.range(0, lines).boxed().toList());
        long whileDown = printed.stream().filter(l -> l[1] > killedAt && l[1] < restartedAt).count();
        System.out.printf("SurvivalTest: %d of %d lines were written while no server ran (%d ms)%n", whileDown, lines,
                restartedAt - killedAt);
        assertThat(whileDown).as("lines written after the kill (%d) and before the restart (%d)", killedAt, restartedAt)
                .isPositive();
    }

    @Test
    void aSigtermStopsTheServerButNotItsSessions() throws Exception {
        int lines = 100;
        BerthClient api = server.client();
        api.createSession(CreateSessionRequest.of("calm", null, null));
        String cid = api.startCommand("calm", CommandRequest.shell(counter(lines))).id();
        await().atMost(Duration.ofSeconds(30)).until(() -> api.command("calm", cid).endOffset() >= 5L * LINE_BYTES);

        server.process.destroy(); // SIGTERM: the server's shutdown hook closes it
        assertThat(server.process.waitFor(30, TimeUnit.SECONDS)).as("server exited within 30 s of SIGTERM").isTrue();
        assertThat(data.resolve("server.json")).doesNotExist();
        long shim = Host.shimPid(data, "calm");
        assertThat(Host.isShim(shim)).as("shim %d alive after the server stopped", shim).isTrue();
        long bytesAtStop = Host.outputLogBytes(data, "calm", cid);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> Host.outputLogBytes(data, "calm", cid) >= bytesAtStop + 5L * LINE_BYTES);

        server = ServerProcess.start(cli, data);
        assertThat(server.client().session("calm").state()).isEqualTo(SessionState.RUNNING);
        Cli.Result out = cli.run("attach", "calm", cid);
        assertThat(out.exit()).as(out.stderr()).isZero();
        assertThat(parse(out.stdout())).extracting(l -> (int) l[0])
                .containsExactlyElementsOf(IntStream.range(0, lines).boxed().toList());
    }

    /** "N MILLIS" lines as {N, MILLIS}. */
    private static List<long[]> parse(String out) {
        return out.lines().map(l -> {
            String[] f = l.split(" ");
            if (f.length != 2) {
                throw new AssertionError("not a counter line: '" + l + "'");
            }
            return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])};
        }).toList();
    }
}
