package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.CommandInfo;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.CommandState;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.Limits;
import dev.berth.api.model.SessionInfo;
import dev.berth.api.model.SessionState;
import dev.berth.sandbox.workspace.WorkspaceImage;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Idle stop, workspace retention, maximum lifetime and expiry, with lifetimes of seconds. */
@Timeout(120)
class SessionLifecycleTest {
    private static final Limits SMALL_DISK = new Limits(null, null, null, 32L << 20);

    @TempDir
    Path data;

    SessionFixture f;

    @AfterEach
    void cleanUp() throws Exception {
        if (f != null) {
            f.close();
        }
    }

    private static CreateSessionRequest session(String id) {
        return CreateSessionRequest.of(id, null, WorkspaceImage.unavailableReason().isEmpty() ? SMALL_DISK : null);
    }

    @Test
    void anIdleSessionIsStoppedWithItsWorkspaceKeptAndTheNextCommandResumesIt() throws Exception {
        f = new SessionFixture(data, TestServer.lifecycle(1, 3600, 0, 0));
        f.client.createSession(session("idle"));
        assertThat(f.run("idle", "echo kept > /mnt/workspace/f").exit().status().code()).isZero();

        SessionInfo stopped = await().atMost(Duration.ofSeconds(20))
                .until(() -> f.client.session("idle"), s -> s.state() == SessionState.STOPPED);
        assertThat(stopped.stateReason()).isEqualTo("idle for 1s");
        assertThat(stopped.idleStopAt()).isNull();
        assertThat(stopped.reclaimAt()).isEqualTo(stopped.lastActivityAt().plusSeconds(3600));
        assertThat(f.workspaceMounted("idle")).isFalse();

        assertThat(f.run("idle", "cat /mnt/workspace/f").stdout()).isEqualTo("kept\n");
        SessionInfo resumed = f.client.session("idle");
        assertThat(resumed.state()).isEqualTo(SessionState.RUNNING);
        assertThat(resumed.stateReason()).isNull();
        assertThat(resumed.idleStopAt()).isEqualTo(resumed.lastActivityAt().plusSeconds(1));
    }

    @Test
    void aRunningCommandKeepsTheSessionAwakePastItsIdleTimeout() throws Exception {
        f = new SessionFixture(data, TestServer.lifecycle(1, 3600, 0, 0));
        f.client.createSession(session("busy"));
        CommandInfo c = f.client.startCommand("busy", CommandRequest.shell("sleep 3; echo done"));

        // were the session stopped while the command ran, the command would be lost, not exit 0
        CommandInfo done = await().atMost(Duration.ofSeconds(30))
                .until(() -> f.client.command("busy", c.id()), i -> i.state() != CommandState.RUNNING);
        assertThat(done.state()).isEqualTo(CommandState.EXITED);
        assertThat(done.exit().code()).isZero();
        assertThat(CommandsApiTest.collect(f.client.output("busy", c.id(), 0)).stdout()).isEqualTo("done\n");

        SessionInfo stopped = await().atMost(Duration.ofSeconds(20))
                .until(() -> f.client.session("busy"), s -> s.state() == SessionState.STOPPED);
        // idle time counts from the command's end, not from its start
        assertThat(stopped.lastActivityAt()).isAfterOrEqualTo(c.startedAt().plusSeconds(3));
    }

    @Test
    void retentionReclaimsTheWorkspaceAndLaterCallsAnswerSessionExpired() throws Exception {
        f = new SessionFixture(data, TestServer.lifecycle(1, 2, 0, 0));
        f.client.createSession(session("old"));
        CommandInfo wrote = f.client.startCommand("old", CommandRequest.shell("echo gone > /mnt/workspace/f"));

        SessionInfo expired = await().atMost(Duration.ofSeconds(30))
                .until(() -> f.client.session("old"), s -> s.state() == SessionState.EXPIRED);
        assertThat(expired.stateReason()).isEqualTo("inactive for 2s");
        assertThat(expired.reclaimAt()).isNull();
        // recorded expired first, then its files go (a crash in between is finished by the next start)
        await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(f.sessionDir("old")));

        for (String[] call : new String[][] {
                {"POST", "/v1/sessions/old/commands", "{\"command\":\"true\"}"},
                {"POST", "/v1/sessions/old/stop", null},
                {"GET", "/v1/sessions/old/commands/" + wrote.id() + "/output", null}}) {
            HttpResponse<String> r = f.server.send(call[0], call[1], call[2]);
            assertThat(r.statusCode()).as(call[1]).isEqualTo(410);
            assertThat(r.body()).contains("\"session_expired\"").contains("inactive for 2s");
        }
        // what happened stays readable: the session and its command history
        assertThat(f.client.listCommands("old")).extracting(CommandInfo::id).containsExactly(wrote.id());
        assertThat(f.client.listSessions()).extracting(SessionInfo::state).containsExactly(SessionState.EXPIRED);

        f.client.deleteSession("old");
        assertThat(f.client.createSession(session("old")).state()).isEqualTo(SessionState.RUNNING);
        assertThat(f.run("old", "ls -A /mnt/workspace").stdout()).isEmpty();
    }

    @Test
    void theMaximumLifetimeEndsASessionWhateverItIsDoing() throws Exception {
        f = new SessionFixture(data, TestServer.lifecycle(0, 3600, 0, 0));
        f.client.createSession(new CreateSessionRequest("brief", null, session("brief").limits(), null, null, 2L));
        CommandInfo forever = f.client.startCommand("brief", CommandRequest.shell("sleep 600"));
        long shim = f.shimPid("brief");

        SessionInfo ended = await().atMost(Duration.ofSeconds(30))
                .until(() -> f.client.session("brief"), s -> s.state() == SessionState.EXPIRED);
        assertThat(ended.stateReason()).isEqualTo("reached its maximum lifetime of 2s");
        assertThat(ended.maxLifetimeSeconds()).isEqualTo(2);
        // the supervisor ends right after it answered the take-down, not necessarily before
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(shim).map(h -> !h.isAlive()).orElse(true));
        CommandInfo killed = f.client.command("brief", forever.id());
        assertThat(killed.state()).isEqualTo(CommandState.EXITED);
        assertThat(killed.exit().signal()).isEqualTo(9);
    }

    @Test
    void lifetimeSettingsAreCheckedCappedAndReported() throws Exception {
        f = new SessionFixture(data, TestServer.lifecycle(900, 3600, 7200, 0));
        for (String body : new String[] {"{\"retentionSeconds\":0}", "{\"idleTimeoutSeconds\":-1}",
                "{\"maxLifetimeSeconds\":-5}", "{\"limits\":{\"diskBytes\":1000}}"}) {
            HttpResponse<String> r = f.server.send("POST", "/v1/sessions", body);
            assertThat(r.statusCode()).as(body).isEqualTo(400);
            assertThat(r.body()).as(body).contains("\"invalid_field\"");
        }
        SessionInfo s = f.client.createSession(new CreateSessionRequest("capped", Map.of(), null, 0L, 1_000_000L, 1_000_000L));
        assertThat(s.idleTimeoutSeconds()).isNull(); // never idle-stopped
        assertThat(s.idleStopAt()).isNull();
        assertThat(s.retentionSeconds()).isEqualTo(3600); // the server's caps
        assertThat(s.maxLifetimeSeconds()).isEqualTo(7200);
        // never idle-stopped, so never reclaimed for inactivity while it runs: only at its end of life
        assertThat(s.reclaimAt()).isEqualTo(s.createdAt().plusSeconds(7200));

        SessionInfo d = f.client.createSession(session("defaults"));
        assertThat(d.idleTimeoutSeconds()).isEqualTo(900);
        assertThat(d.idleStopAt()).isEqualTo(d.lastActivityAt().plusSeconds(900));
        assertThat(d.reclaimAt()).isEqualTo(d.lastActivityAt().plusSeconds(3600));
    }

    @Test
    void activityIsSavedWhenTheServerStopsAndAStoppedSessionStaysStoppedAcrossARestart() throws Exception {
        f = new SessionFixture(data, TestServer.lifecycle(3600, 3600, 0, 0));
        f.client.createSession(session("kept"));
        f.run("kept", "true");
        SessionInfo before = f.client.session("kept");
        f.restart();
        assertThat(f.client.session("kept").lastActivityAt()).isEqualTo(before.lastActivityAt());

        f.client.stopSession("kept");
        f.restart();
        SessionInfo after = f.client.session("kept");
        assertThat(after.state()).isEqualTo(SessionState.STOPPED);
        assertThat(after.stateReason()).isEqualTo("stopped on request");
        assertThatThrownBy(() -> f.client.createSession(session("kept")))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.SESSION_EXISTS));
    }
}
