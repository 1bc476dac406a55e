package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.Limits;
import dev.berth.api.model.SessionInfo;
import dev.berth.sandbox.workspace.WorkspaceImage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Per-session disk quotas: each workspace is its own file system of the quota's size. */
@Timeout(120)
class DiskQuotaTest {
    private static final long QUOTA = 32L << 20;

    @TempDir
    Path data;

    SessionFixture f;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(WorkspaceImage.unavailableReason().isEmpty(),
                () -> "disk quotas unavailable: " + WorkspaceImage.unavailableReason().orElseThrow());
        f = new SessionFixture(data, TestServer.lifecycle(3600, 3600, 0, QUOTA));
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (f != null) {
            f.close();
        }
    }

    @Test
    void fillingTheDiskInOneSessionFailsThereWithEnospcWhileAnotherWritesFine() throws Exception {
        f.client.createSession(CreateSessionRequest.of("full", null, null));
        f.client.createSession(CreateSessionRequest.of("fine", null, null));
        assertThat(f.client.session("full").limits().diskBytes()).isEqualTo(QUOTA);

        CommandsApiTest.Collected fill = f.run("full", "head -c 64M /dev/zero > /mnt/workspace/fill");
        assertThat(fill.exit().status().code()).isNotZero();
        assertThat(fill.stderr()).contains("No space left on device");
        // and it stays full for that session only
        assertThat(f.run("full", "head -c 1M /dev/zero > /mnt/workspace/more").stderr()).contains("No space left on device");

        CommandsApiTest.Collected write = f.run("fine", "head -c 8M /dev/zero > /mnt/workspace/f && stat -c %s /mnt/workspace/f");
        assertThat(write.exit().status().code()).as(write.stderr()).isZero();
        assertThat(write.stdout()).isEqualTo((8 << 20) + "\n");

        SessionInfo full = f.client.session("full");
        assertThat(full.diskUsedBytes()).isBetween(QUOTA - (8L << 20), QUOTA);
        assertThat(f.client.session("fine").diskUsedBytes()).isBetween(8L << 20, 16L << 20);
        // the file system the session sees is no larger than its quota
        String size = f.run("fine", "stat -f -c '%b %S' /mnt/workspace").stdout().strip();
        String[] blocksAndSize = size.split(" ");
        assertThat(Long.parseLong(blocksAndSize[0]) * Long.parseLong(blocksAndSize[1])).isLessThanOrEqualTo(QUOTA);
    }

    @Test
    void theQuotaAndTheDataSurviveStopAndResume() throws Exception {
        f.client.createSession(CreateSessionRequest.of("keep", null, null));
        assertThat(f.run("keep", "head -c 1M /dev/urandom > /mnt/workspace/r && sha256sum /mnt/workspace/r")
                .exit().status().code()).isZero();
        String sum = f.run("keep", "sha256sum /mnt/workspace/r").stdout();

        f.client.stopSession("keep");
        assertThat(f.workspaceMounted("keep")).isFalse();
        assertThat(Files.isRegularFile(f.sessionDir("keep").resolve("workspace.img"))).isTrue();

        assertThat(f.run("keep", "sha256sum /mnt/workspace/r").stdout()).isEqualTo(sum);
        assertThat(f.workspaceMounted("keep")).isTrue();
        assertThat(f.run("keep", "head -c 64M /dev/zero > /mnt/workspace/fill").stderr()).contains("No space left on device");
    }

    @Test
    void aSessionMayAskForItsOwnQuotaOrForNone() throws Exception {
        f.client.createSession(CreateSessionRequest.of("big", null, new Limits(null, null, null, 96L << 20)));
        assertThat(f.run("big", "head -c 64M /dev/zero > /mnt/workspace/f && echo ok").stdout()).isEqualTo("ok\n");

        SessionInfo none = f.client.createSession(CreateSessionRequest.of("none", null, new Limits(null, null, null, 0L)));
        assertThat(none.limits().diskBytes()).isZero();
        assertThat(none.diskUsedBytes()).isNull();
        assertThat(Files.exists(f.sessionDir("none").resolve("workspace.img"))).isFalse();
        assertThat(f.workspaceMounted("none")).isFalse();
        assertThat(f.run("none", "echo plain > /mnt/workspace/p && cat /mnt/workspace/p").stdout()).isEqualTo("plain\n");
    }
}
