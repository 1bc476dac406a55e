package dev.berth.bench.measure;

import dev.berth.api.client.BerthClient;
import dev.berth.bench.Processes;
import dev.berth.bench.Report;
import dev.berth.bench.Stats;
import dev.berth.runtimes.testing.AgentImage;
import dev.berth.runtimes.testing.RegistryUpload;
import dev.berth.runtimes.testing.TestRegistry;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Deploy of a large image from a loopback registry (Debian's docker-registry, filled by the
 * bench): {@code POST /v1/runtimes/NAME {"image":…}} (pull, verify, unpack) next to {@code skopeo
 * copy docker://… oci:DIR} (pull and verify only) of the same image. Each run has an image of its
 * own (different padding), so neither side reuses what an earlier run fetched.
 */
public final class DeployImage implements Measurement {
    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    private final URI server;
    private final String token;
    private final int runs;
    private final long bytes;
    private int berthRun;
    private int skopeoRun;

    public DeployImage(URI server, String token, int runs, long bytes) {
        this.server = server;
        this.token = token;
        this.runs = runs;
        this.bytes = bytes;
    }

    @Override
    public String section() {
        return "deploy";
    }

    @Override
    public void run(Report report) throws Exception {
        Path work = Files.createTempDirectory("berth-bench-deploy");
        try (TestRegistry registry = TestRegistry.start(Files.createDirectories(work.resolve("registry")), "");
                RegistryUpload upload = new RegistryUpload(registry, null);
                BerthClient client = new BerthClient(server, token)) {
            for (int i = 0; i < runs; i++) {
                AgentImage.build(work, bytes, i).pushTo(upload, "bench/big-" + i, "1");
            }
            Map<String, Interleaved.Action> actions = new LinkedHashMap<>();
            actions.put("**`POST /v1/runtimes/NAME {\"image\":…}` (pull, verify, unpack)**", () -> {
                int i = berthRun++;
                long t0 = System.nanoTime();
                client.deployImage("bench-big-" + i, registry.host() + "/bench/big-" + i + ":1", false);
                return System.nanoTime() - t0;
            });
            actions.put("`skopeo copy docker://… oci:DIR` (pull, verify)", () -> {
                int i = skopeoRun++;
                return Processes.time(List.of("skopeo", "copy", "--quiet", "--src-tls-verify=false",
                        "docker://" + registry.host() + "/bench/big-" + i + ":1", "oci:" + work.resolve("skopeo-" + i) + ":1"),
                        work, TIMEOUT);
            });
            Map<String, long[]> samples = Interleaved.run(0, runs, actions);
            for (int i = 0; i < runs; i++) {
                client.deleteRuntime("bench-big-" + i, null);
            }
            List<Stats> s = new ArrayList<>();
            List<List<String>> rows = new ArrayList<>();
            samples.forEach((k, v) -> {
                Stats st = Stats.ofNanosAsMillis(v);
                s.add(st);
                rows.add(Report.latencyRow(k, st));
            });
            double ratio = s.get(1).p50() / s.get(0).p50();
            report.heading(2, "14. Deploy of a " + bytes / 1_000_000 + " MB image from a loopback registry, vs `skopeo copy`")
                    .paragraph(runs + " runs of each, interleaved, each on an image of its own (the test agent plus an "
                            + "incompressible " + bytes / 1_000_000 + " MB layer; nothing reused between runs). Berth's figure "
                            + "includes unpacking the layers into the shared root filesystem; skopeo's only writes the blobs.")
                    .table(Report.LATENCY_HEADER, rows)
                    .bullets(List.of("skopeo p50 / Berth p50: " + Report.ratio(ratio) + "; target ≥ 1.0 (at least as fast): **"
                            + (ratio >= 1.0 ? "met" : "missed") + "**"));
        }
    }
}
