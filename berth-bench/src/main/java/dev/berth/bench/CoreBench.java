package dev.berth.bench;

import dev.berth.bench.measure.AuditCost;
import dev.berth.bench.measure.DeployImage;
import dev.berth.bench.measure.FirstOutput;
import dev.berth.bench.measure.Fork;
import dev.berth.bench.measure.IdleMemory;
import dev.berth.bench.measure.InvokeOverhead;
import dev.berth.bench.measure.GatewayFromSandbox;
import dev.berth.bench.measure.McpOverhead;
import dev.berth.bench.measure.Measurement;
import dev.berth.bench.measure.ModelGatewayOverhead;
import dev.berth.bench.measure.Restart;
import dev.berth.bench.measure.Resume;
import dev.berth.bench.measure.RoundTrip;
import dev.berth.bench.measure.RuntimeStart;
import dev.berth.bench.measure.Startup;
import dev.berth.bench.measure.Throughput;
import dev.berth.bench.measure.ConsoleLatency;
import dev.berth.bench.measure.TtyLatency;
import dev.berth.bench.measure.TtyMemory;
import dev.berth.bench.measure.TtyReconnect;
import dev.berth.bench.measure.TtyThroughput;
import java.nio.file.Files;
import java.util.List;

/**
 * The performance figures of the "Berth core" and "Sessions that outlive everything" issues, measured against a running server and next to
 * what a user would otherwise use (a local shell, OpenSSH). Prints a Markdown report; a failed
 * section is reported as failed and the others still run. {@code scripts/bench} sets everything up.
 */
public final class CoreBench {
    private CoreBench() {}

    public static void main(String[] args) throws Exception {
        BenchOptions o;
        try {
            o = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage() + "\n" + BenchOptions.USAGE);
            System.exit(2);
            return;
        }
        Report report = new Report().heading(1, "Berth core benchmark")
                .bullets(MachineInfo.probe(o.java()).bullets())
                .paragraph("Server " + o.server() + " (h2c, prior knowledge, Jetty HTTP/2 client " + jettyVersion() + ").");
        boolean failed = false;
        try (H2Api api = new H2Api(o.server(), o.token()); BenchSessions sessions = new BenchSessions(api)) {
            // one long-lived session serves the round trips, the streams and the CLI calls, as an agent's would
            String main = o.runs("round-trip") || o.runs("throughput") || o.runs("startup")
                    ? sessions.create("main") : sessions.id("main");
            List<Measurement> all = List.of(
                    new FirstOutput(sessions, o.warmup(), o.firstOutputRuns()),
                    new RoundTrip(sessions, main, o.ssh(), o.repo(), o.warmup(), o.roundTripRuns()),
                    new Throughput(sessions, main, o.ssh(), o.repo(), o.data(), o.throughputRuns(), o.throughputBytes()),
                    new IdleMemory(sessions, o.data(), o.memorySessions()),
                    new Startup(o.repo(), o.java(), o.data(), main, Math.min(o.warmup(), 2), o.startupRuns()),
                    new Resume(sessions, o.ssh(), o.repo(), o.warmup(), o.resumeRuns()),
                    new Restart(o.repo(), o.restartSessions(), o.restartRuns()),
                    new TtyLatency(sessions, o.server(), o.token(), o.ssh(), o.warmup(), o.ttyRuns()),
                    new ConsoleLatency(sessions, o.server(), o.token(), o.warmup(), o.ttyRuns()),
                    new TtyThroughput(sessions, o.server(), o.token(), o.ssh(), o.repo(), o.throughputRuns(), 256L << 20),
                    new TtyMemory(sessions, o.server(), o.token(), o.data(), 100),
                    new TtyReconnect(sessions, o.server(), o.token(), o.repo(), 5),
                    new RuntimeStart(o.server(), o.token(), Math.min(o.warmup(), 3), o.runtimeRuns()),
                    new InvokeOverhead(o.server(), o.token(), o.warmup(), o.invokeRuns()),
                    new DeployImage(o.server(), o.token(), o.deployRuns(), o.deployBytes()),
                    new AuditCost(o.repo(), o.warmup(), o.roundTripRuns()),
                    new ModelGatewayOverhead(o.warmup(), 10 * o.roundTripRuns(), 40),
                    new McpOverhead(o.warmup(), o.roundTripRuns()),
                    new GatewayFromSandbox(o.repo(), 5, Math.max(100, 2 * o.roundTripRuns())),
                    new Fork(o.server(), o.token(), o.data(), 3));
            for (Measurement m : all) {
                if (!o.runs(m.section())) {
                    continue;
                }
                System.err.println("bench: " + m.section() + "...");
                try {
                    m.run(report);
                } catch (Exception e) {
                    failed = true;
                    e.printStackTrace();
                    report.heading(2, m.section()).paragraph("**failed**: " + e);
                }
            }
        }
        System.out.print(report.markdown());
        if (o.out().isPresent()) {
            Files.writeString(o.out().get(), report.markdown());
        }
        System.exit(failed ? 1 : 0);
    }

    private static String jettyVersion() {
        String v = org.eclipse.jetty.client.HttpClient.class.getPackage().getImplementationVersion();
        return v == null ? "" : v;
    }
}
