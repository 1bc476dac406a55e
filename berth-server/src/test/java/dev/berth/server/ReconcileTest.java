package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.api.model.CommandInfo;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.CommandState;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.SessionInfo;
import dev.berth.api.model.SessionState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start-up reconciliation from the states a crash can leave: each test makes the state a server
 * killed at one point of create, stop, delete or expire would leave, then starts a server on it.
 */
@Timeout(120)
class ReconcileTest {
    @TempDir
    Path data;

    SessionFixture f;

    @BeforeEach
    void start() throws Exception {
        f = new SessionFixture(data, TestServer.lifecycle(3600, 3600, 0, 32L << 20));
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (f != null) {
            f.close();
        }
    }

    /** Changes the store behind a stopped server's back, as a crash between two writes would leave it. */
    private void sql(String statement, String id) throws Exception {
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("berth.db"));
                PreparedStatement p = db.prepareStatement(statement)) {
            p.setString(1, id);
            assertThat(p.executeUpdate()).isEqualTo(1);
        }
    }

    private boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Test
    void aSessionWhoseCreateNeverAnsweredIsRemovedWithItsSandbox() throws Exception {
        f.client.createSession(CreateSessionRequest.of("half", null, null));
        long shim = f.shimPid("half");
        f.stopServer();
        sql("UPDATE sessions SET state = 'creating' WHERE id = ?", "half"); // killed before the running write
        f.start();

        assertThat(f.client.listSessions()).isEmpty();
        assertThat(Files.exists(f.sessionDir("half"))).isFalse();
        assertThat(f.workspaceMounted("half")).isFalse();
        await().atMost(Duration.ofSeconds(10)).until(() -> !alive(shim));
        // the id is free again: the client that saw its create fail may retry
        assertThat(f.client.createSession(CreateSessionRequest.of("half", null, null)).state()).isEqualTo(SessionState.RUNNING);
    }

    @Test
    void aSandboxAndDirectoryNoSessionOwnsAreRemoved() throws Exception {
        f.client.createSession(CreateSessionRequest.of("orphan", null, null));
        long shim = f.shimPid("orphan");
        f.stopServer();
        sql("DELETE FROM sessions WHERE id = ?", "orphan"); // killed between a delete's store write and its clean-up
        f.start();

        assertThat(f.client.listSessions()).isEmpty();
        assertThat(Files.exists(f.sessionDir("orphan"))).isFalse();
        assertThat(f.workspaceMounted("orphan")).isFalse();
        await().atMost(Duration.ofSeconds(10)).until(() -> !alive(shim));
    }

    @Test
    void anInterruptedReclaimIsFinished() throws Exception {
        f.client.createSession(CreateSessionRequest.of("reclaim", null, null));
        long shim = f.shimPid("reclaim");
        f.stopServer();
        sql("UPDATE sessions SET state = 'expired', state_reason = 'inactive for 14d' WHERE id = ?", "reclaim");
        f.start();

        SessionInfo s = f.client.session("reclaim");
        assertThat(s.state()).isEqualTo(SessionState.EXPIRED);
        assertThat(Files.exists(f.sessionDir("reclaim"))).isFalse();
        assertThat(f.workspaceMounted("reclaim")).isFalse();
        await().atMost(Duration.ofSeconds(10)).until(() -> !alive(shim));
    }

    @Test
    void aSessionWhoseSandboxDiedWhileTheServerWasDownIsMarkedStoppedAndResumes() throws Exception {
        f.client.createSession(CreateSessionRequest.of("vanish", null, null));
        f.run("vanish", "echo still > /mnt/workspace/f");
        CommandInfo sleeper = f.client.startCommand("vanish", CommandRequest.shell("sleep 600"));
        long shim = f.shimPid("vanish");
        f.stopServer();
        ProcessHandle.of(shim).ifPresent(ProcessHandle::destroyForcibly); // e.g. the host's OOM killer
        await().atMost(Duration.ofSeconds(10)).until(() -> !alive(shim));
        f.start();

        SessionInfo s = f.client.session("vanish");
        assertThat(s.state()).isEqualTo(SessionState.STOPPED);
        assertThat(s.stateReason()).isEqualTo("its sandbox was gone when the server started");
        assertThat(f.workspaceMounted("vanish")).isFalse();
        assertThat(f.client.command("vanish", sleeper.id()).state()).isNotEqualTo(CommandState.RUNNING);
        assertThat(f.run("vanish", "cat /mnt/workspace/f").stdout()).isEqualTo("still\n");
    }

    @Test
    void runningSessionsAreReadoptedAndAStopCutShortIsFinished() throws Exception {
        f.client.createSession(CreateSessionRequest.of("up", null, null));
        f.client.createSession(CreateSessionRequest.of("cut", null, null));
        long upShim = f.shimPid("up");
        f.stopServer();
        // a stop killed after its store write but before the unmount
        sql("UPDATE sessions SET state = 'stopped', state_reason = 'stopped on request' WHERE id = ?", "cut");
        long cutShim = Long.parseLong(Files.readString(f.sessionDir("cut").resolve("state/shim.pid")).strip());
        f.start();

        assertThat(f.client.session("up").state()).isEqualTo(SessionState.RUNNING);
        assertThat(alive(upShim)).isTrue();
        assertThat(f.run("up", "echo adopted").stdout()).isEqualTo("adopted\n");
        assertThat(f.client.session("cut").state()).isEqualTo(SessionState.STOPPED);
        assertThat(f.workspaceMounted("cut")).isFalse();
        await().atMost(Duration.ofSeconds(10)).until(() -> !alive(cutShim));
    }
}
