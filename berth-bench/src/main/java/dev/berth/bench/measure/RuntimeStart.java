package dev.berth.bench.measure;

import dev.berth.api.client.BerthClient;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.bench.Report;
import dev.berth.bench.Stats;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Session start from a deployed runtime → its agent's {@code /ping} healthy: {@code POST
 * /v1/sessions {"runtime":…}} (sandbox on the image's shared tree, writable layer, agent started),
 * then {@code GET /v1/sessions/{id}} until the server reports the agent healthy. Next to a plain
 * session's create and to the agent's own start-up on the host (exec → /ping answers), which the
 * target allows on top.
 */
public final class RuntimeStart implements Measurement {
    private static final double TARGET_P50_MS = 100;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final URI server;
    private final String token;
    private final int warmup;
    private final int runs;
    private int n;

    public RuntimeStart(URI server, String token, int warmup, int runs) {
        this.server = server;
        this.token = token;
        this.warmup = warmup;
        this.runs = runs;
    }

    @Override
    public String section() {
        return "runtime-start";
    }

    @Override
    public void run(Report report) throws Exception {
        Path work = Files.createTempDirectory("berth-bench-runtime");
        try (BerthClient client = new BerthClient(server, token); HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1).build()) {
            BenchAgents.deploy(client, work);
            Map<String, Interleaved.Action> actions = new LinkedHashMap<>();
            actions.put("**session from a runtime: create → agent `/ping` healthy**", () -> {
                String id = "bench-rt-" + n++;
                long t0 = System.nanoTime();
                client.createSession(new CreateSessionRequest(id, null, null, null, null, null, BenchAgents.RUNTIME));
                BenchAgents.awaitHealthy(client, id, TIMEOUT);
                long t = System.nanoTime() - t0;
                client.deleteSession(id);
                return t;
            });
            actions.put("plain session: create (sandbox up)", () -> {
                String id = "bench-plain-" + n++;
                long t0 = System.nanoTime();
                client.createSession(CreateSessionRequest.of(id, null, null));
                long t = System.nanoTime() - t0;
                client.deleteSession(id);
                return t;
            });
            actions.put("the agent alone on the host: exec → `/ping` answers", () -> {
                try (BenchAgents.HostAgent agent = BenchAgents.startOnHost(work)) {
                    return BenchAgents.awaitPing(http, agent, TIMEOUT);
                }
            });
            Map<String, long[]> samples = Interleaved.run(warmup, runs, actions);
            List<Stats> s = new ArrayList<>();
            List<List<String>> rows = new ArrayList<>();
            samples.forEach((k, v) -> {
                Stats st = Stats.ofNanosAsMillis(v);
                s.add(st);
                rows.add(Report.latencyRow(k, st));
            });
            double allowed = TARGET_P50_MS + s.get(2).p50();
            report.heading(2, "12. Session start from a deployed runtime → agent `/ping` healthy")
                    .paragraph(runs + " runs of each after " + warmup + " warm-up runs, interleaved, over HTTP/1.1 "
                            + "(`BerthClient`). The runtime is the tests' static C agent image (deployed once from an OCI "
                            + "layout); each run creates a session from it and polls `GET /v1/sessions/{id}` until its "
                            + "`agent.status` is `healthy` (the server pings a starting agent every 5 ms), then removes the "
                            + "session (not timed).")
                    .table(Report.LATENCY_HEADER, rows)
                    .bullets(List.of(
                            "a runtime's session costs " + Report.ms(s.get(0).p50() - s.get(1).p50())
                                    + " ms (p50) more than a plain one: the overlay root, the agent's spawn and its first ping",
                            "target p50 ≤ " + Report.ms(TARGET_P50_MS) + " ms + the agent's own start-up ("
                                    + Report.ms(s.get(2).p50()) + " ms) = " + Report.ms(allowed) + " ms: **"
                                    + (s.get(0).p50() <= allowed ? "met" : "missed") + "** (p50 " + Report.ms(s.get(0).p50())
                                    + " ms)"));
        }
    }
}
