package dev.berth.bench.measure;

import dev.berth.api.client.BerthClient;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.bench.Report;
import dev.berth.bench.Stats;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Invoke overhead: the same small invocation, through Berth ({@code POST
 * /v1/runtimes/NAME/invocations} → the session's sandbox → the agent's {@code POST
 * /invocations}) and straight to the same agent binary listening on the host's loopback, with the
 * same HTTP/1.1 client and kept-alive connections; the answer is read to its end.
 */
public final class InvokeOverhead implements Measurement {
    private static final double TARGET_OVERHEAD_MS = 1;
    /**
     * A serving server has long since compiled its invocation path; a fresh one needs a few
     * thousand invocations before the JIT has (p50 falls from ~1.4 to ~0.5 ms over the first 5000).
     */
    private static final int WARMUP = 3000;
    private static final String SESSION = "bench-invoke";
    private static final byte[] PAYLOAD = "{\"prompt\":\"benchmark\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    private final URI server;
    private final String token;
    private final int warmup;
    private final int runs;

    public InvokeOverhead(URI server, String token, int warmup, int runs) {
        this.server = server;
        this.token = token;
        this.warmup = warmup;
        this.runs = runs;
    }

    @Override
    public String section() {
        return "invoke";
    }

    @Override
    public void run(Report report) throws Exception {
        Path work = Files.createTempDirectory("berth-bench-invoke");
        try (BerthClient client = new BerthClient(server, token);
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                BenchAgents.HostAgent direct = BenchAgents.startOnHost(work)) {
            BenchAgents.deploy(client, work);
            client.createSession(new CreateSessionRequest(SESSION, null, null, null, null, null, BenchAgents.RUNTIME));
            BenchAgents.awaitHealthy(client, SESSION, Duration.ofSeconds(60));
            BenchAgents.awaitPing(http, direct, Duration.ofSeconds(10));
            HttpRequest viaBerth = HttpRequest.newBuilder(server.resolve("/v1/runtimes/" + BenchAgents.RUNTIME + "/invocations"))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .header(BerthClient.SESSION_HEADER, SESSION).POST(HttpRequest.BodyPublishers.ofByteArray(PAYLOAD)).build();
            HttpRequest straight = HttpRequest.newBuilder(direct.uri("/invocations")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(PAYLOAD)).build();
            Map<String, Interleaved.Action> actions = new LinkedHashMap<>();
            actions.put("**through Berth: `POST /v1/runtimes/…/invocations`**", () -> time(http, viaBerth));
            actions.put("direct: `POST http://127.0.0.1:PORT/invocations` (same agent, on the host)", () -> time(http, straight));
            Map<String, long[]> samples = Interleaved.run(Math.max(warmup, WARMUP), runs, actions);
            client.deleteSession(SESSION);
            List<Stats> s = new ArrayList<>();
            List<List<String>> rows = new ArrayList<>();
            samples.forEach((k, v) -> {
                Stats st = Stats.ofNanosAsMillis(v);
                s.add(st);
                rows.add(Report.latencyRow(k, st));
            });
            double overhead = s.get(0).p50() - s.get(1).p50();
            report.heading(2, "13. Invoke overhead vs calling the agent's port directly")
                    .paragraph(runs + " invocations of each after " + Math.max(warmup, WARMUP) + " warm-up ones (the server's JIT), interleaved, "
                            + "with the JDK HTTP/1.1 client (connections kept alive both ways). The agent (the tests' static C "
                            + "agent) answers each with two server-sent events, chunked; the clock stops at the end of the "
                            + "answer.")
                    .table(Report.LATENCY_HEADER, rows)
                    .bullets(List.of("target overhead p50 ≤ " + Report.ms(TARGET_OVERHEAD_MS) + " ms: **"
                            + (overhead <= TARGET_OVERHEAD_MS ? "met" : "missed") + "** (" + Report.ms(overhead) + " ms)"));
        }
    }

    private static long time(HttpClient http, HttpRequest r) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        HttpResponse<byte[]> a = http.send(r, HttpResponse.BodyHandlers.ofByteArray());
        long t = System.nanoTime() - t0;
        if (a.statusCode() != 200 || a.body().length < 40) {
            throw new IOException("invocation answered " + a.statusCode() + ": " + new String(a.body()));
        }
        return t;
    }
}
