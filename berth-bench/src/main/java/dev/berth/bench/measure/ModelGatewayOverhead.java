package dev.berth.bench.measure;

import dev.berth.bench.Report;
import dev.berth.bench.Stats;
import dev.berth.bench.gateway.FakeModelUpstream;
import dev.berth.bench.gateway.RawHttp;
import dev.berth.server.audit.AuditSink;
import dev.berth.server.gateway.GatewayConfig;
import dev.berth.server.gateway.GatewayServer;
import dev.berth.server.gateway.GatewaySession;
import dev.berth.server.gateway.GatewayTags;
import dev.berth.server.gateway.model.ModelGateway;
import dev.berth.server.gateway.model.ModelPrice;
import dev.berth.server.gateway.model.ModelProvider;
import dev.berth.server.gateway.model.ModelUsage;
import dev.berth.server.store.SqliteStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the model gateway adds to a model call, in process: the gateway (unix socket, PROXY v2
 * session tag, key check and swap, budget check, metering, a stored record per call) in front of a
 * fake Anthropic API on loopback, against the same client calling that API directly. Per request:
 * a non-streaming Messages call, send → last byte, interleaved. Per streamed token: each content
 * delta carries the time the upstream wrote it; the client notes when it read it. The shim's hop
 * inside the sandbox (loopback TCP → the socket) is not part of it.
 */
public final class ModelGatewayOverhead implements Measurement {
    private static final double TARGET_REQUEST_MS = 1.0;
    private static final double TARGET_TOKEN_MS = 0.5;
    private static final int TOKENS = 50;
    private static final long TOKEN_GAP_NANOS = 2_000_000;
    private static final Pattern STAMP = Pattern.compile("\"t\":(\\d+)");
    private static final byte[] CALL = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}"
            .getBytes(StandardCharsets.UTF_8);
    private static final byte[] STREAM = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":64,\"stream\":true,\"messages\":[]}"
            .getBytes(StandardCharsets.UTF_8);

    private final int warmup;
    private final int runs;
    private final int streams;

    public ModelGatewayOverhead(int warmup, int runs, int streams) {
        this.warmup = warmup;
        this.runs = runs;
        this.streams = streams;
    }

    /** Runs this section alone, no server needed: {@code scripts/bench gateway [RUNS [STREAMS]]}. */
    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int streams = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        Report report = new Report();
        new ModelGatewayOverhead(Math.max(50, runs / 10), runs, streams).run(report);
        System.out.print(report.markdown());
        System.exit(0);
    }

    @Override
    public String section() {
        return "model-gateway";
    }

    @Override
    public void run(Report report) throws Exception {
        Path dir = Files.createTempDirectory("berth-bench-gateway");
        GatewayTags tags = GatewayTags.loadOrCreate(dir.resolve("gateway.key"));
        String key = tags.modelKey("bench");
        try (FakeModelUpstream upstream = new FakeModelUpstream(TOKENS, TOKEN_GAP_NANOS);
                SqliteStore store = new SqliteStore(dir.resolve("berth.db"));
                ModelUsage usage = new ModelUsage(store, Clock.systemUTC())) {
            GatewayConfig config = new GatewayConfig(
                    Map.of("anthropic", new ModelProvider("anthropic", upstream.uri().toString(), "anthropic-key")),
                    Map.of("claude-sonnet-4-5", new ModelPrice(3, 15, 0.3, 3.75)), null, null);
            ModelGateway models = new ModelGateway(config,
                    name -> Optional.of("sk-ant-bench".getBytes(StandardCharsets.UTF_8)),
                    usage, AuditSink.NONE);
            GatewayServer gateway = new GatewayServer(dir.resolve("gateway.sock"),
                    tag -> tags.sessionOf(tag).map(id -> new GatewaySession(id, "bench", "agent@1", key)),
                    List.of(new GatewayServer.Mount(ModelGateway.PREFIX, models)), null);
            gateway.start();
            String headers = "x-api-key: " + key + "\r\nanthropic-version: 2023-06-01\r\n";
            try (RawHttp direct = RawHttp.tcp(upstream.port());
                    RawHttp via = RawHttp.gateway(gateway.socket(), tags.connectionTag("bench"))) {
                Map<String, Interleaved.Action> actions = new LinkedHashMap<>();
                actions.put("direct to the upstream", () -> call(direct, "/v1/messages", headers));
                actions.put("through the gateway", () -> call(via, "/model/anthropic/v1/messages", headers));
                Map<String, Stats> stats = new LinkedHashMap<>();
                Interleaved.run(warmup, runs, actions).forEach((k, v) -> stats.put(k, Stats.ofNanosAsMillis(v)));
                List<List<String>> rows = new ArrayList<>();
                stats.forEach((k, s) -> rows.add(Report.latencyRow(k, s)));
                List<Stats> s = List.copyOf(stats.values());
                double added = s.get(1).p50() - s.get(0).p50();

                List<Long> directTokens = new ArrayList<>();
                List<Long> viaTokens = new ArrayList<>();
                for (int i = 0; i < streams + 2; i++) {
                    boolean measured = i >= 2; // two warm-up streams each
                    stream(direct, "/v1/messages", headers, measured ? directTokens : new ArrayList<>());
                    stream(via, "/model/anthropic/v1/messages", headers, measured ? viaTokens : new ArrayList<>());
                }
                Stats td = Stats.ofNanosAsMillis(directTokens.stream().mapToLong(Long::longValue).toArray());
                Stats tv = Stats.ofNanosAsMillis(viaTokens.stream().mapToLong(Long::longValue).toArray());
                double tokenAdded = tv.p50() - td.p50();
                report.heading(2, "Model gateway overhead")
                        .paragraph(runs + " non-streaming Anthropic Messages calls each way after " + warmup
                                + " warm-up calls, interleaved, one keep-alive connection each: directly to a fake API on "
                                + "loopback, and through the gateway's unix socket with a session's PROXY v2 tag (key check "
                                + "and swap, budget check, metering, one stored record per call). Send → last byte.")
                        .table(Report.LATENCY_HEADER, rows)
                        .bullets(List.of("added per request (p50): " + Report.ms(added) + " ms; target ≤ "
                                + Report.ms(TARGET_REQUEST_MS) + " ms: **" + (added <= TARGET_REQUEST_MS ? "met" : "missed") + "**"))
                        .paragraph(streams + " streamed calls each way of " + TOKENS + " content deltas written "
                                + TOKEN_GAP_NANOS / 1_000_000 + " ms apart; per delta, the upstream's write → the client's read.")
                        .table(Report.LATENCY_HEADER, List.of(Report.latencyRow("per token, direct", td),
                                Report.latencyRow("per token, through the gateway", tv)))
                        .bullets(List.of("added per streamed token (p50): " + Report.ms(tokenAdded) + " ms; target ≤ "
                                + Report.ms(TARGET_TOKEN_MS) + " ms: **" + (tokenAdded <= TARGET_TOKEN_MS ? "met" : "missed") + "**"));
            } finally {
                gateway.close();
            }
        }
    }

    private static long call(RawHttp http, String path, String headers) throws Exception {
        long t0 = System.nanoTime();
        int status = http.post(path, headers, CALL, (b, off, len, at) -> { });
        long t1 = System.nanoTime();
        if (status != 200) {
            throw new IllegalStateException("HTTP " + status + " from " + path);
        }
        return t1 - t0;
    }

    /** One streamed call; adds each delta's upstream-write → client-read time to {@code latencies}. */
    private static void stream(RawHttp http, String path, String headers, List<Long> latencies) throws Exception {
        StringBuilder pending = new StringBuilder();
        int status = http.post(path, headers, STREAM, (b, off, len, at) -> {
            pending.append(new String(b, off, len, StandardCharsets.UTF_8));
            for (int end; (end = pending.indexOf("\n\n")) >= 0; ) {
                Matcher m = STAMP.matcher(pending.substring(0, end));
                if (m.find()) {
                    latencies.add(at - Long.parseLong(m.group(1)));
                }
                pending.delete(0, end + 2);
            }
        });
        if (status != 200) {
            throw new IllegalStateException("HTTP " + status + " from " + path);
        }
    }
}
