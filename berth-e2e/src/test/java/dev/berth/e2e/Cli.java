package dev.berth.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the real {@code ./berth} launcher on the distribution this build produced. */
final class Cli {
    static final Path ROOT = Path.of(System.getProperty("berth.root", "..")).toAbsolutePath().normalize();
    static final Path DIST = Path.of(System.getProperty("berth.dist", "../berth-cli/target/dist")).toAbsolutePath().normalize();

    record Result(int exit, String stdout, String stderr) {}

    private final Path data;
    private final Map<String, String> env;
    private final Path netns;

    Cli(Path data, Map<String, String> env) {
        this(data, env, null);
    }

    private Cli(Path data, Map<String, String> env, Path netns) {
        this.data = data;
        this.env = env;
        this.netns = netns;
    }

    /**
     * The same CLI run inside the network namespace {@code netns} (a path such as /run/netns/NAME):
     * a server started with it listens on that namespace's loopback, where only such a CLI reaches
     * it. Only the network namespace changes ({@code nsenter --net}, which execs in place): mounts,
     * cgroups and the pid stay those of the launcher.
     */
    Cli inNetns(Path netns) {
        return new Cli(data, env, netns);
    }

    ProcessBuilder builder(List<String> args) {
        List<String> cmd = new ArrayList<>();
        if (netns != null) {
            cmd.addAll(List.of("nsenter", "--net=" + netns, "--"));
        }
        cmd.add(ROOT.resolve("berth").toString());
        cmd.add("--home");
        cmd.add(data.toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("BERTH_DIST", DIST.toString());
        pb.environment().remove("BERTH_URL");
        pb.environment().remove("BERTH_TOKEN");
        // a `berth login` of the developer's own would otherwise win over the test server's admin token
        pb.environment().put("BERTH_CREDENTIALS", data.resolve("no-login.json").toString());
        pb.environment().putAll(env);
        return pb;
    }

    Result run(String... args) throws IOException, InterruptedException {
        return run(null, args);
    }

    Result run(byte[] stdin, String... args) throws IOException, InterruptedException {
        Process p = builder(List.of(args)).start();
        CompletableFuture<byte[]> out = drain(p.getInputStream());
        CompletableFuture<byte[]> err = drain(p.getErrorStream());
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin);
            }
        }
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("berth " + String.join(" ", args) + " did not finish in 120 s");
        }
        return new Result(p.exitValue(), new String(out.join(), StandardCharsets.UTF_8), new String(err.join(), StandardCharsets.UTF_8));
    }

    /** Skips the calling test, saying why, when the server this CLI talks to cannot run sandboxes. */
    void assumeSandboxes() throws IOException, InterruptedException {
        Result status = run("status", "--json");
        org.assertj.core.api.Assertions.assertThat(status.exit()).as(status.stderr()).isZero();
        com.fasterxml.jackson.databind.JsonNode health = dev.berth.api.Json.mapper().readTree(status.stdout());
        org.junit.jupiter.api.Assumptions.assumeTrue(health.get("driverAvailable").asBoolean(),
                () -> "sandboxes unavailable: " + health.get("driverProblem"));
    }

    static CompletableFuture<byte[]> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                in.transferTo(b);
                return b.toByteArray();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }
}
