package dev.berth.runtimes.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.runtimes.archive.IdShift;
import dev.berth.runtimes.harness.HarnessSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a harness deploy makes, or why it refuses; nothing here reaches npm. */
class HarnessDeployerTest {
    @TempDir
    Path dir;

    HarnessDeployer deployer() throws Exception {
        return new HarnessDeployer(new RootfsStore(dir), IdShift.NONE, dir.resolve("npm-cache"));
    }

    @Test
    void harnessesWithoutAnNpmPackageAreRefusedWithHowToGetThem() throws Exception {
        for (String name : List.of("kiro", "cursor")) {
            assertThatThrownBy(() -> deployer().deploy(name, null, null)).isInstanceOf(DeployException.class)
                    .hasMessageContaining("--image").hasMessageContaining(name.equals("kiro") ? "kiro-cli" : "cursor-agent")
                    .extracting(e -> ((DeployException) e).code()).isEqualTo(DeployException.HARNESS_NOT_INSTALLABLE);
        }
    }

    @Test
    void unknownHarnessesAndMisplacedCommandsAreRefused() throws Exception {
        assertThatThrownBy(() -> deployer().deploy("aider", null, null)).isInstanceOf(DeployException.class)
                .hasMessageContaining("claude-code").extracting(e -> ((DeployException) e).code())
                .isEqualTo(DeployException.HARNESS_UNKNOWN);
        assertThatThrownBy(() -> deployer().deploy("custom", null, " ")).extracting(e -> ((DeployException) e).code())
                .isEqualTo(DeployException.MISSING_FIELD);
        assertThatThrownBy(() -> deployer().deploy("codex", null, "echo hi")).extracting(e -> ((DeployException) e).code())
                .isEqualTo(DeployException.INVALID_FIELD);
    }

    @Test
    void aCustomHarnessIsABareTreeOnTheHostsSystemWithNoAgentToStart() throws Exception {
        RuntimeSpec s = deployer().deploy("custom", "gpt-5", "python3 loop.py");
        assertThat(s.kind()).isEqualTo("harness");
        assertThat(s.argv()).isEmpty();
        assertThat(s.hostSystem()).isTrue();
        assertThat(s.workingDir()).isEqualTo("/mnt/workspace");
        assertThat(s.harness()).isEqualTo(new HarnessSpec("custom", "gpt-5", "python3 loop.py", null));
        assertThat(s.env()).containsEntry("BERTH_HARNESS", "custom").containsEntry("BERTH_MODEL", "gpt-5");
        assertThat(Files.isDirectory(new RootfsStore(dir).tree(s.rootfs()).resolve("root"))).isTrue();
        assertThat(deployer().deploy("custom", null, "other").rootfs()).as("one bare tree for all").isEqualTo(s.rootfs());
    }

    @Test
    void onAZipTheCommandDefaultsToItsEntrypoint() throws Exception {
        RuntimeSpec zip = new RuntimeSpec("zip", "agent.zip (python)", "sha256:ab", "zip-0123456789abcdef", true,
                List.of("python3", "/app/my agent.py"), Map.of("PORT", "8080", "PYTHONUNBUFFERED", "1"), "/app", 8080, 10, null);
        RuntimeSpec s = HarnessDeployer.onZip(zip, "custom", null, null);
        assertThat(s.harness().command()).isEqualTo("python3 '/app/my agent.py'");
        assertThat(s.argv()).isEmpty();
        assertThat(s.rootfs()).isEqualTo(zip.rootfs());
        assertThat(s.env()).containsEntry("PYTHONUNBUFFERED", "1").doesNotContainKey("PORT");
        assertThat(HarnessDeployer.onZip(zip, "custom", null, "python3 /app/x.py").harness().command()).isEqualTo("python3 /app/x.py");
        assertThatThrownBy(() -> HarnessDeployer.onZip(zip, "codex", null, null)).extracting(e -> ((DeployException) e).code())
                .isEqualTo(DeployException.INVALID_FIELD);
    }

    @Test
    void onAnImageTheEntrypointIsDroppedAndTheHarnessRecorded() throws Exception {
        RuntimeSpec image = new RuntimeSpec("image", "localhost:5000/kiro:1", "sha256:cd", "img-0123456789abcdef", false,
                List.of("/bin/server"), Map.of("PATH", "/usr/bin"), "/srv", 8080, 99, "1000");
        RuntimeSpec s = HarnessDeployer.onImage(image, "kiro", "claude-sonnet-4.5", null);
        assertThat(s.argv()).isEmpty();
        assertThat(s.source()).isEqualTo("kiro on localhost:5000/kiro:1");
        assertThat(s.hostSystem()).isFalse();
        assertThat(s.harness()).isEqualTo(new HarnessSpec("kiro", "claude-sonnet-4.5", null, null));
        assertThatThrownBy(() -> HarnessDeployer.onImage(image, "custom", null, null))
                .extracting(e -> ((DeployException) e).code()).isEqualTo(DeployException.MISSING_FIELD);
    }
}
