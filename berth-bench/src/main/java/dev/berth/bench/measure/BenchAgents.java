package dev.berth.bench.measure;

import dev.berth.api.client.BerthClient;
import dev.berth.runtimes.testing.AgentImage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The agent the runtime benchmarks use, the tests' static C agent (it starts in about a
 * millisecond, so what is measured is Berth's part): deployed as a runtime, or run on the host as
 * the "direct" baseline.
 */
final class BenchAgents {
    static final String RUNTIME = "bench-agent";

    private BenchAgents() {}

    /** Deploys the agent image from an OCI layout (once per server: the same content is reused). */
    static void deploy(BerthClient client, Path work) throws IOException {
        Path layout = work.resolve("layout");
        if (!Files.exists(layout.resolve("index.json"))) {
            AgentImage.build(work, 0).writeLayout(layout, "v1");
        }
        client.deployImage(RUNTIME, "oci-layout:" + layout + ":v1", false);
    }

    /** Waits until the session's agent answers its pings, as the server reports it. */
    static void awaitHealthy(BerthClient client, String session, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            var agent = client.session(session).agent();
            if (agent != null && "healthy".equals(agent.status())) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("the agent of " + session + " is not healthy after " + timeout + ": " + agent);
            }
            Thread.onSpinWait();
        }
    }

    /** The agent as a plain host process on a free loopback port. */
    record HostAgent(Process process, int port) implements AutoCloseable {
        URI uri(String path) {
            return URI.create("http://127.0.0.1:" + port + path);
        }

        @Override
        public void close() throws InterruptedException {
            process.destroyForcibly().waitFor();
        }
    }

    static HostAgent startOnHost(Path work) throws IOException {
        Path bin = work.resolve("static-agent");
        AgentImage.compileAgent(work);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ProcessBuilder pb = new ProcessBuilder(bin.toString()).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(work.resolve("host-agent.log").toFile());
        pb.environment().put("PORT", Integer.toString(port));
        // its invocation count in the scratch directory, not in the host's /var/lib
        pb.environment().put("AGENT_STATE", Files.createDirectories(work.resolve("agent-state")).toString());
        return new HostAgent(pb.start(), port);
    }

    /** Time from now until the host agent answers {@code /ping}. */
    static long awaitPing(HttpClient http, HostAgent agent, Duration timeout) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        HttpRequest ping = HttpRequest.newBuilder(agent.uri("/ping")).build();
        while (true) {
            try {
                if (http.send(ping, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return System.nanoTime() - t0;
                }
            } catch (java.net.ConnectException notYet) {
                // not listening yet
            }
            if (System.nanoTime() - t0 > timeout.toNanos() || !agent.process().isAlive()) {
                throw new IOException("the host agent did not answer /ping");
            }
        }
    }
}
