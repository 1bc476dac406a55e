package dev.berth.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A terminal program's output survives a bad network between the CLI and the server, and the
 * server's own death: the CLI talks through a proxy the test breaks (connections reset for 3 s;
 * connections that go silent for good; kill -9 of the server and a new one on its port), and what
 * it printed still holds every line of a counter exactly once, in order.
 */
@Timeout(300)
class ExecNetworkTest {
    private static final int LINES = 500;

    @TempDir
    static Path data;

    static Cli cli;
    static ServerProcess server;

    @BeforeAll
    static void start() throws Exception {
        cli = new Cli(data, Map.of());
        server = ServerProcess.start(cli, data);
        cli.assumeSandboxes();
        assertThat(cli.run("session", "create", "net").exit()).isZero();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            cli.run("session", "rm", "net");
            server.close();
        }
    }

    @Test
    void connectionsResetForThreeSeconds() throws Exception {
        try (ChaosProxy proxy = new ChaosProxy(server.url().getPort())) {
            Path out = data.resolve("reset.out");
            Process p = counterThrough(proxy, out);
            awaitLines(out, 100);
            proxy.cut();
            Thread.sleep(3000); // the outage itself: how long the network is down
            proxy.restore();
            assertThat(assertComplete(p, out)).contains("connection lost");
        }
    }

    @Test
    void connectionsThatGoSilentAreNoticedByTheHeartbeat() throws Exception {
        try (ChaosProxy proxy = new ChaosProxy(server.url().getPort())) {
            Path out = data.resolve("silent.out");
            // slower, so that the program outlasts the silence (else the server's close after its exit ends the wait)
            Process p = counterThrough(proxy, out, "0.03");
            awaitLines(out, 100);
            proxy.stallExisting(); // no reset, no FIN: only a missing heartbeat tells
            assertThat(assertComplete(p, out)).contains("no word from the server");
        }
    }

    @Test
    void theServerKilledAndRestartedWhileAttached() throws Exception {
        try (ChaosProxy proxy = new ChaosProxy(server.url().getPort())) {
            Path out = data.resolve("restart.out");
            Process p = counterThrough(proxy, out);
            awaitLines(out, 100);
            int port = server.url().getPort();
            server.kill9();
            server = ServerProcess.start(cli, data, port); // the program ran on meanwhile, its output kept by its supervisor
            assertThat(assertComplete(p, out)).contains("connection lost");
        }
    }

    @Test
    void typingWhileTheNetworkIsDownArrivesOnceItIsBack() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Tmux.available(), "tmux is not installed (.ci/run installs it)");
        String token = Files.readString(data.resolve("admin.token")).strip();
        try (ChaosProxy proxy = new ChaosProxy(server.url().getPort());
                Tmux t = Tmux.start("away", 100, 30, "BERTH_DIST=" + Cli.DIST + " " + Cli.ROOT.resolve("berth")
                        + " --server http://127.0.0.1:" + proxy.port() + " --token " + token
                        + " exec --it -e PS1=ready: net -- bash --norc -i; echo berth-exit=$?; sleep 600")) {
            t.await("ready:"); // bash drops what was typed before it started reading
            t.type("echo before-$((1+1))");
            t.await("before-2");
            proxy.cut();
            t.await("berth: connection lost");
            t.type("echo away-$((3*5))"); // typed into the outage: kept, and sent once the link is back
            proxy.restore();
            t.await("away-15");
            String screen = t.await("reconnected after");
            assertThat(screen.split("away-15", -1)).as("typed once, run once: " + screen).hasSize(2);
            // one status line for the outage: "connection lost", rewritten in place once it is back
            assertThat(screen.split("berth: ", -1)).as("one status line for the outage: " + screen).hasSize(2);
            t.type("exit 3");
            t.await("berth-exit=3");
        }
    }

    /** {@code berth exec -t} of a counter, talking to the server through the proxy, output to a file. */
    private static Process counterThrough(ChaosProxy proxy, Path out) throws Exception {
        return counterThrough(proxy, out, "0.01");
    }

    private static Process counterThrough(ChaosProxy proxy, Path out, String pause) throws Exception {
        String token = Files.readString(data.resolve("admin.token")).strip();
        return cli.builder(List.of("--server", "http://127.0.0.1:" + proxy.port(), "--token", token, "exec", "-t", "net",
                        "--", "sh", "-c", "i=0; while [ $i -lt " + LINES + " ]; do echo n-$i; i=$((i+1)); sleep " + pause + "; done"))
                .redirectOutput(out.toFile())
                .redirectError(data.resolve(out.getFileName() + ".err").toFile())
                .start();
    }

    private static void awaitLines(Path out, int n) {
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.readAllLines(out).size() >= n);
    }

    /** Checks the output; returns what the CLI said on stderr. */
    private static String assertComplete(Process p, Path out) throws Exception {
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the CLI finished").isTrue();
        String err = Files.readString(out.resolveSibling(out.getFileName() + ".err"));
        assertThat(p.exitValue()).as(err).isZero();
        List<String> lines = Files.readAllLines(out).stream().map(l -> l.replace("\r", "")).toList();
        assertThat(lines).as("every line exactly once, in order; the CLI said: " + err)
                .isEqualTo(IntStream.range(0, LINES).mapToObj(i -> "n-" + i).toList());
        return err;
    }
}
