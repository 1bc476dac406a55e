package dev.berth.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code berth up} / {@code down}: a background server whose restart leaves sessions and output intact. */
@Timeout(300)
class UpDownTest {
    @TempDir
    Path data;

    Cli cli;

    @AfterEach
    void down() throws Exception {
        if (cli != null) {
            cli.run("session", "rm", "keep");
            cli.run("down");
        }
    }

    @Test
    void sessionsWorkspacesAndRunningCommandsSurviveDownAndUp() throws Exception {
        cli = new Cli(data, Map.of());
        Cli.Result up = cli.run("up", "--listen", "127.0.0.1:0");
        assertThat(up.exit()).as(up.stderr()).isZero();
        assertThat(up.stdout()).contains("Berth is up at http://127.0.0.1:").contains("admin.token");
        assertThat(Files.getPosixFilePermissions(data.resolve("admin.token")))
                .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        assertThat(cli.run("up").stdout()).contains("already running");
        assertThat(cli.run("status").exit()).isZero();
        assumeTrue(!cli.run("status").stdout().contains("unavailable"), "sandboxes unavailable here");

        cli.run("session", "create", "keep");
        cli.run("run", "keep", "--", "sh", "-c", "echo persisted > /mnt/workspace/note");
        String counter = cli.run("run", "--detach", "keep", "--", "sh", "-c",
                "for i in $(seq 1 60); do echo $i; sleep 0.05; done").stdout().strip();

        Cli.Result down = cli.run("down");
        assertThat(down.stdout()).contains("Berth stopped");
        Cli.Result status = cli.run("status");
        assertThat(status.exit()).isEqualTo(1);
        assertThat(status.stderr()).contains("cannot reach");

        assertThat(cli.run("up", "--listen", "127.0.0.1:0").exit()).isZero();
        Cli.Result out = cli.run("attach", "keep", counter);
        StringBuilder expected = new StringBuilder();
        for (int i = 1; i <= 60; i++) {
            expected.append(i).append('\n');
        }
        assertThat(out.stdout()).isEqualTo(expected.toString());
        assertThat(cli.run("run", "keep", "--", "cat", "/mnt/workspace/note").stdout()).isEqualTo("persisted\n");
        assertThat(cli.run("session", "ls").stdout()).contains("keep").contains("running");
    }
}
