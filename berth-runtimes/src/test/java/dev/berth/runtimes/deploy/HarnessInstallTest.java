package dev.berth.runtimes.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.runtimes.archive.IdShift;
import dev.berth.runtimes.harness.Harnesses;
import dev.berth.runtimes.harness.NpmPackage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each npm harness really installed from the registry at its pinned version, then started on the host's
 * node: it must print its version. npm's cache is kept under target/ so that a rerun installs from it.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class HarnessInstallTest {
    static final Path CACHE = Path.of("target", "npm-cache").toAbsolutePath();

    @TempDir
    Path dir;

    @BeforeAll
    static void registryReachable() throws Exception {
        Files.createDirectories(CACHE);
        Process p;
        try {
            p = new ProcessBuilder("npm", "view", "--cache", CACHE.toString(), "@openai/codex@0.171.0", "version")
                    .redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            assumeTrue(false, "npm is not installed: " + e.getMessage());
            return;
        }
        boolean done = p.waitFor(60, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(done && p.exitValue() == 0, "the npm registry is not reachable: " + out.strip());
    }

    @ParameterizedTest
    @ValueSource(strings = {"codex", "gemini", "opencode", "claude-code"})
    void installsAndStarts(String name) throws Exception {
        NpmPackage pkg = Harnesses.named(name).npm().orElseThrow();
        RootfsStore store = new RootfsStore(dir);
        long t0 = System.nanoTime();
        RuntimeSpec spec = new HarnessDeployer(store, IdShift.NONE, CACHE).deploy(name, null, null);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("harness %s: %s installed in %d ms, %d MB%n", name, pkg.name() + "@" + pkg.version(), ms,
                spec.unpackedBytes() / 1_000_000);
        assertThat(spec.harness().version()).isEqualTo(pkg.version());
        assertThat(spec.source()).isEqualTo(name + " (" + pkg.name() + "@" + pkg.version() + ")");
        assertThat(spec.env().get("PATH")).startsWith("/harness/bin:");

        Path tree = store.tree(spec.rootfs());
        Path bin = tree.resolve("harness/bin").resolve(pkg.bin());
        assertThat(Files.isSymbolicLink(bin)).isTrue();
        assertThat(Files.readSymbolicLink(bin).isAbsolute()).as("works at the tree's place in a sandbox too").isFalse();
        Path home = Files.createDirectories(dir.resolve("home"));
        ProcessBuilder pb = new ProcessBuilder(bin.toString(), "--version").redirectErrorStream(true);
        pb.environment().put("HOME", home.toString());
        Process p = pb.start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(name + " --version ends").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains(pkg.version());

        RuntimeSpec again = new HarnessDeployer(store, IdShift.NONE, CACHE).deploy(name, "some-model", null);
        assertThat(again.rootfs()).as("stored once per version").isEqualTo(spec.rootfs());
        assertThat(again.harness().model()).isEqualTo("some-model");
    }
}
