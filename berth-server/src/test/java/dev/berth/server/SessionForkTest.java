package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.AuditRecord;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.ForkRequest;
import dev.berth.api.model.Limits;
import dev.berth.api.model.SessionInfo;
import dev.berth.api.model.SessionState;
import dev.berth.sandbox.workspace.WorkspaceImage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code POST /v1/sessions/{id}/fork}: copies of a session's workspace, of a stopped or a running
 * session, with a workspace image (disk quota) or a plain directory.
 */
@Timeout(180)
class SessionForkTest {
    private static final long QUOTA = 64L << 20;
    /** A small project: modes, a symbolic link, an empty directory, a node_modules-like tree, a binary blob. */
    private static final String PROJECT = """
            cd /mnt/workspace && mkdir -p proj/node_modules/a/lib proj/node_modules/.bin proj/empty \
            && for i in $(seq 1 300); do echo "module.exports = $i" > proj/node_modules/a/lib/m$i.js; done \
            && printf '#!/bin/sh\\necho hi\\n' > proj/node_modules/a/cli.sh && chmod 755 proj/node_modules/a/cli.sh \
            && ln -s ../a/cli.sh proj/node_modules/.bin/a && chmod 640 proj/node_modules/a/lib/m1.js \
            && chmod 700 proj/empty && head -c 3M /dev/urandom > proj/blob && echo made""";
    /** Every path with its type, mode, owner and link target, then every file's checksum. */
    private static final String LISTING = "cd /mnt/workspace && find . -printf '%p %y %m %U:%G %l\\n' | sort"
            + " && find . -type f -print0 | sort -z | xargs -0 sha256sum";
    /** Writes file i in full, then names it in the log, forever. */
    private static final String WRITER = "mkdir -p /mnt/workspace/w && cd /mnt/workspace/w && i=0; while :; do"
            + " i=$((i+1)); yes $i | head -c 65536 > $i; echo $i >> log; done";
    /** Every file the log names has its full content, and the log counts 1, 2, 3, … */
    private static final String CHECK_PREFIX = "cd /mnt/workspace/w && n=0; bad=0; while read i; do n=$((n+1));"
            + " [ \"$i\" = \"$n\" ] || { echo \"gap at $n: $i\"; bad=1; };"
            + " yes $i | head -c 65536 | cmp -s - $i || { echo \"torn $i\"; bad=1; }; done < log; echo \"n=$n bad=$bad\"";

    @TempDir
    Path data;

    SessionFixture f;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(WorkspaceImage.unavailableReason().isEmpty(),
                () -> "workspace images unavailable: " + WorkspaceImage.unavailableReason().orElseThrow());
        f = new SessionFixture(data, TestServer.lifecycle(3600, 3600, 0, QUOTA));
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (f != null) {
            f.close();
        }
    }

    @ParameterizedTest(name = "disk quota {0}")
    @ValueSource(longs = {QUOTA, 0})
    void aStoppedSessionsCopyIsIdenticalAndIndependent(long disk) throws Exception {
        source("src", disk);
        String before = listing("src");
        f.client.stopSession("src");

        List<SessionInfo> made = f.client.forkSession("src", new ForkRequest("copy", null));

        assertThat(made).extracting(SessionInfo::id).containsExactly("copy");
        assertThat(made.getFirst().state()).isEqualTo(SessionState.RUNNING);
        assertThat(made.getFirst().limits().diskBytes()).isEqualTo(disk);
        assertThat(made.getFirst().env()).containsEntry("FROM", "src");
        assertThat(f.client.session("src").state()).as("a stopped source stays stopped").isEqualTo(SessionState.STOPPED);
        assertThat(listing("copy")).isEqualTo(before);
        assertThat(f.run("copy", "/mnt/workspace/proj/node_modules/.bin/a").stdout()).isEqualTo("hi\n");
        assertIndependent("src", "copy");
    }

    @ParameterizedTest(name = "disk quota {0}")
    @ValueSource(longs = {QUOTA, 0})
    void aRunningSessionsCopyIsIdenticalAndTheSourceKeepsRunning(long disk) throws Exception {
        source("src", disk);
        String before = listing("src");

        f.client.forkSession("src", new ForkRequest("copy", 1));

        assertThat(f.client.session("src").state()).isEqualTo(SessionState.RUNNING);
        assertThat(listing("copy")).isEqualTo(before);
        assertIndependent("src", "copy");
    }

    @ParameterizedTest(name = "disk quota {0}")
    @ValueSource(longs = {QUOTA, 0})
    void copiesOfABusySourceAreOneConsistentInstantAndItsWriterGoesOn(long disk) throws Exception {
        f.client.createSession(CreateSessionRequest.of("busy", null, new Limits(null, null, null, disk)));
        String writer = f.client.startCommand("busy", dev.berth.api.model.CommandRequest.shell(WRITER)).id();
        await().atMost(Duration.ofSeconds(30)).until(() -> logLines("busy") >= 20);

        List<SessionInfo> made = f.client.forkSession("busy", new ForkRequest("snap", 3));
        long atFork = logLines("busy");

        assertThat(made).extracting(SessionInfo::id).containsExactly("snap-1", "snap-2", "snap-3");
        String first = null;
        for (SessionInfo copy : made) {
            String check = f.run(copy.id(), CHECK_PREFIX).stdout();
            assertThat(check).as(copy.id()).endsWith("bad=0\n").doesNotContain("n=0 ");
            String all = f.run(copy.id(), "cd /mnt/workspace/w && ls | sort | xargs sha256sum").stdout();
            if (first == null) {
                first = all;
            } else {
                assertThat(all).as("every copy is of the same instant").isEqualTo(first);
            }
        }
        // thawed: the source's writer goes on past where the fork found it
        await().atMost(Duration.ofSeconds(30)).until(() -> logLines("busy") > atFork + 10);
        assertThat(f.client.command("busy", writer).state()).isEqualTo(dev.berth.api.model.CommandState.RUNNING);
    }

    @Test
    void badForksAreRefusedAndLeaveNoHalfMadeCopy() throws Exception {
        f.client.createSession(CreateSessionRequest.of("orig", null, null));
        f.client.createSession(CreateSessionRequest.of("taken-2", null, null));

        assertThatThrownBy(() -> f.client.forkSession("nope", new ForkRequest("x", null)))
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.SESSION_NOT_FOUND));
        assertThatThrownBy(() -> f.client.forkSession("orig", new ForkRequest("orig", null)))
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.INVALID_FIELD));
        // taken-1 would be new, taken-2 exists: neither copy is made
        assertThatThrownBy(() -> f.client.forkSession("orig", new ForkRequest("taken", 2)))
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.SESSION_EXISTS));
        assertThat(f.client.listSessions()).extracting(SessionInfo::id).containsExactlyInAnyOrder("orig", "taken-2");
        assertThat(f.sessionDir("taken-1")).doesNotExist();

        assertThat(f.server.send("POST", "/v1/sessions/orig/fork", "{\"count\":2}").body()).contains("\"missing_field\"");
        assertThat(f.server.send("POST", "/v1/sessions/orig/fork", "{\"id\":\"n\",\"count\":0}").body()).contains("\"invalid_field\"");
        assertThat(f.server.send("POST", "/v1/sessions/orig/fork", "{\"id\":\"n\",\"count\":65}").body()).contains("\"invalid_field\"");
        assertThat(f.server.send("POST", "/v1/sessions/orig/fork", "{\"id\":\"Bad Id\"}").body()).contains("\"invalid_session_id\"");
        assertThat(f.client.listSessions()).hasSize(2);
    }

    @Test
    void aForkIsAuditedWithItsSourceAndCopies() throws Exception {
        f.client.createSession(CreateSessionRequest.of("audited", null, null));
        f.client.forkSession("audited", new ForkRequest("twin", 2));

        // the audit log is written behind the answer
        await().atMost(Duration.ofSeconds(10)).until(() -> !f.client.audit(Map.of("action", "session.fork")).isEmpty());
        List<AuditRecord> events = f.client.audit(Map.of("action", "session.fork"));
        assertThat(events).hasSize(1);
        assertThat(events.getFirst().outcome()).isEqualTo("ok");
        assertThat(events.getFirst().session()).isEqualTo("audited");
        assertThat(events.getFirst().details()).containsEntry("source", "audited")
                .containsEntry("copies", List.of("twin-1", "twin-2"));
    }

    private void source(String id, long disk) throws Exception {
        f.client.createSession(new CreateSessionRequest(id, Map.of("FROM", "src"), new Limits(null, null, null, disk),
                null, null, null));
        assertThat(f.run(id, PROJECT).stdout()).isEqualTo("made\n");
    }

    private String listing(String id) throws Exception {
        CommandsApiTest.Collected c = f.run(id, LISTING);
        assertThat(c.exit().status().code()).as(c.stderr()).isZero();
        assertThat(c.stdout()).contains("./proj/node_modules/.bin/a l 777 ", " ../a/cli.sh\n", "./proj/empty d 700 ");
        return c.stdout();
    }

    /** Writes in either show in that one only. */
    private void assertIndependent(String a, String b) throws Exception {
        f.run(a, "echo a > /mnt/workspace/only-a && echo changed > /mnt/workspace/proj/node_modules/a/lib/m2.js");
        f.run(b, "echo b > /mnt/workspace/only-b && rm /mnt/workspace/proj/blob");
        assertThat(f.run(a, "ls /mnt/workspace; cat /mnt/workspace/proj/node_modules/a/lib/m2.js; test -f /mnt/workspace/proj/blob && echo blob").stdout())
                .contains("only-a", "changed", "blob").doesNotContain("only-b");
        assertThat(f.run(b, "ls /mnt/workspace; cat /mnt/workspace/proj/node_modules/a/lib/m2.js; test -f /mnt/workspace/proj/blob || echo no-blob").stdout())
                .contains("only-b", "module.exports = 2", "no-blob").doesNotContain("only-a", "changed");
    }

    private long logLines(String id) throws Exception {
        String out = f.run(id, "wc -l < /mnt/workspace/w/log 2>/dev/null || echo 0").stdout().strip();
        return Long.parseLong(out);
    }
}
