package dev.berth.bench.measure;

import dev.berth.api.client.BerthClient;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.stream.FrameCodec;
import dev.berth.api.stream.StreamFrame;
import dev.berth.bench.Report;
import dev.berth.bench.ServerProcess;
import dev.berth.bench.Stats;
import dev.berth.bench.gateway.FakeModelUpstream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A model call as an agent makes it, from inside a real session's sandbox through the whole path
 * (the shim's relay, the gateway's unix socket, key swap, metering, audit, the real server) next
 * to the same client on the host calling the upstream directly. The client is Python's
 * {@code http.client} on one keep-alive connection, as SDKs keep theirs; rounds alternate.
 */
public final class GatewayFromSandbox implements Measurement {
    private static final String SESSION = "bench-gateway";
    /** Calls each way before measuring: the server's JIT needs thousands to settle (by hand: 2.1 ms p50 after 400, 0.8 after 5000). */
    private static final int WARMUP_CALLS = 5000;
    /** Times {@code N} calls on one connection; prints nanoseconds per call, one a line. */
    private static final String CLIENT = """
            import http.client, os, sys, time
            host, port, path, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
            body = b'{"model":"claude-sonnet-4-5","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}'
            headers = {"x-api-key": os.environ.get("ANTHROPIC_API_KEY", "direct"), "anthropic-version": "2023-06-01",
                       "content-type": "application/json"}
            c = http.client.HTTPConnection(host, port)
            c.connect()
            c.sock.setsockopt(__import__("socket").IPPROTO_TCP, __import__("socket").TCP_NODELAY, 1)
            times = []
            for _ in range(n):
                t = time.perf_counter_ns()
                c.request("POST", path, body, headers)
                r = c.getresponse()
                r.read()
                times.append(time.perf_counter_ns() - t)
                if r.status != 200:
                    sys.exit("status %d" % r.status)
            open(out, "w").write("\\n".join(map(str, times)))
            """;

    private final Path repo;
    private final int rounds;
    private final int perRound;

    public GatewayFromSandbox(Path repo, int rounds, int perRound) {
        this.repo = repo;
        this.rounds = rounds;
        this.perRound = perRound;
    }

    @Override
    public String section() {
        return "gateway-from-sandbox";
    }

    @Override
    public void run(Report report) throws Exception {
        Path dir = Files.createTempDirectory("berth-bench-gw");
        Path script = Files.writeString(dir.resolve("client.py"), CLIENT);
        try (FakeModelUpstream upstream = new FakeModelUpstream(1, 0)) {
            Path config = Files.writeString(dir.resolve("gateway.toml"), """
                    [models.anthropic]
                    kind = "anthropic"
                    upstream = "%s"
                    secret = "anthropic-key"
                    """.formatted(upstream.uri()));
            ServerProcess server = new ServerProcess(repo, dir.resolve("data"), List.of("--gateway-config", config.toString(),
                    "--secrets-key-file", dir.resolve("secrets.key").toString()));
            server.start();
            try (BerthClient client = new BerthClient(server.uri(), server.token())) {
                client.setSecret("anthropic-key", "sk-ant-bench".getBytes(StandardCharsets.UTF_8));
                client.createSession(CreateSessionRequest.of(SESSION, null, null));
                Path workspace = server.data().resolve("sessions").resolve(SESSION).resolve("workspace");
                Files.copy(script, workspace.resolve("client.py"));
                List<Long> direct = new ArrayList<>();
                List<Long> via = new ArrayList<>();
                onHost(script, upstream.port(), dir.resolve("direct.txt"), WARMUP_CALLS);
                inSandbox(client, workspace, WARMUP_CALLS);
                for (int r = 0; r < rounds; r++) {
                    direct.addAll(onHost(script, upstream.port(), dir.resolve("direct.txt"), perRound));
                    via.addAll(inSandbox(client, workspace, perRound));
                }
                Stats sd = Stats.ofNanosAsMillis(direct.stream().mapToLong(Long::longValue).toArray());
                Stats sv = Stats.ofNanosAsMillis(via.stream().mapToLong(Long::longValue).toArray());
                report.heading(2, "Model call from inside a sandbox")
                        .paragraph("After " + WARMUP_CALLS + " warm-up calls each way, " + rounds + " rounds of " + perRound + " non-streaming Anthropic Messages calls each way, one "
                                + "keep-alive connection per round (Python http.client): from the host straight to the "
                                + "upstream, and from inside a session's sandbox to $ANTHROPIC_BASE_URL (shim relay, "
                                + "gateway, key swap, metering, audit; the real server).")
                        .table(Report.LATENCY_HEADER, List.of(Report.latencyRow("host → upstream", sd),
                                Report.latencyRow("sandbox → gateway → upstream", sv)))
                        .bullets(List.of("added per request (p50): " + Report.ms(sv.p50() - sd.p50()) + " ms"));
                client.deleteSession(SESSION);
            } finally {
                server.stop(true);
            }
        }
    }

    private static List<Long> onHost(Path script, int port, Path out, int calls) throws Exception {
        Process p = new ProcessBuilder("python3", script.toString(), "127.0.0.1", Integer.toString(port), "/v1/messages",
                Integer.toString(calls), out.toString()).inheritIO().start();
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("the host client failed");
        }
        return read(out);
    }

    private static List<Long> inSandbox(BerthClient client, Path workspace, int calls) throws Exception {
        String cmd = "python3 /mnt/workspace/client.py 127.0.0.1 7761 /model/anthropic/v1/messages " + calls
                + " /mnt/workspace/via.txt";
        try (InputStream in = client.runCommand(SESSION, CommandRequest.shell(cmd))) {
            FrameCodec.Reader frames = new FrameCodec.Reader(in);
            for (StreamFrame f = frames.next(); f != null; f = frames.next()) {
                if (f instanceof StreamFrame.Exit x && x.status().code() != 0) {
                    throw new IllegalStateException("the sandbox's client failed: " + x.status());
                }
            }
        }
        return read(workspace.resolve("via.txt"));
    }

    private static List<Long> read(Path f) throws Exception {
        return Files.readAllLines(f).stream().filter(l -> !l.isBlank()).map(Long::parseLong).toList();
    }

    /** {@code GatewayFromSandbox [ROUNDS [PER_ROUND]]}, as root from the repository's root. */
    public static void main(String[] args) throws Exception {
        Report report = new Report();
        new GatewayFromSandbox(Path.of("").toAbsolutePath(), args.length > 0 ? Integer.parseInt(args[0]) : 5,
                args.length > 1 ? Integer.parseInt(args[1]) : 400).run(report);
        System.out.print(report.markdown());
        System.exit(0);
    }
}
