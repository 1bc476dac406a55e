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
