package dev.berth.server.audit;

import static dev.berth.server.audit.AuditFixture.commandExit;
import static dev.berth.server.audit.AuditFixture.event;
import static dev.berth.server.audit.AuditFixture.lines;
import static dev.berth.server.audit.AuditFixture.segment;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.berth.server.testing.TestClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writing, resuming, reading and following the audit log. */
class AuditLogTest {
    @TempDir
    Path tmp;

    private Path dir() {
        return tmp.resolve("audit");
    }

    private Path key() {
        return tmp.resolve("keys/audit.key");
    }

    private AuditLog open(AuditOptions options) throws IOException {
        return AuditLog.open(dir(), key(), Clock.systemUTC(), options);
    }

    @Test
    void concurrentRecordersGetEverySeqOnceWithoutGaps() throws Exception {
        int threads = 6;
        int each = 2_000;
        // a small queue, so that recorders also block on a full queue and the writer sees many batch sizes
        try (AuditLog log = open(AuditOptions.defaults().withQueueCapacity(256));
                ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String session = "s-" + t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        log.record(commandExit(session, i));
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            log.flush();

            List<AuditEvent> all = log.read(0, Integer.MAX_VALUE);
            assertThat(seqs(all)).isEqualTo(LongStream.rangeClosed(1, threads * each).boxed().toList());
            Map<String, List<Object>> bySession = new HashMap<>();
            for (AuditEvent e : all) {
                bySession.computeIfAbsent(e.session(), s -> new ArrayList<>()).add(e.resource());
            }
            for (int t = 0; t < threads; t++) { // each recorder's events keep the order it recorded them in
                List<Object> expected = new ArrayList<>();
                for (int i = 0; i < each; i++) {
                    expected.add("command/c-" + i);
                }
                assertThat(bySession.get("s-" + t)).as("session s-" + t).isEqualTo(expected);
            }
            assertThat(log.verify().ok()).isTrue();
        }
    }

    @Test
    void reopenedLogContinuesTheSeqsAndTheChain() throws Exception {
        try (AuditLog log = open(AuditOptions.defaults())) {
            for (int i = 0; i < 10; i++) {
                log.record(commandExit("s-1", i));
            }
        }
        try (AuditLog log = open(AuditOptions.defaults())) {
            assertThat(log.lastSeq()).isEqualTo(10);
            for (int i = 10; i < 15; i++) {
                log.record(commandExit("s-1", i));
            }
            log.flush();
            assertThat(log.read(0, 100)).extracting(AuditEvent::seq)
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, 15).boxed().toList());
        }
        List<byte[]> lines = lines(segment(dir(), 1));
        assertThat(LineFormat.decode(lines.get(10), 0, lines.get(10).length).prev())
                .isEqualTo(LineFormat.decode(lines.get(9), 0, lines.get(9).length).hash());
        VerifyReport report = AuditLog.verify(dir());
        assertThat(report.ok()).as("%s", report).isTrue();
        assertThat(report.eventsChecked()).isEqualTo(15);
        assertThat(report.checkpointsChecked()).as("one at each close").isEqualTo(2);
    }

    @Test
    void aCommitDelayHoldsEventsBackToShareOneForceAndCloseStillWritesThem() throws Exception {
        try (AuditLog log = open(AuditOptions.defaults().withCommitDelay(Duration.ofSeconds(30)))) {
            log.record(AuditFixture.event("alice", "s-1", "session.create"));
            log.record(AuditFixture.event("alice", "s-1", "session.stop"));
            // the writer waits out the delay for more: nothing is durable yet (30 s is far beyond any stall)
            assertThat(log.awaitAfter(0, Duration.ofMillis(200))).isFalse();
            assertThat(log.lastSeq()).isZero();
        }
        try (AuditLog reopened = open(AuditOptions.defaults())) {
            assertThat(reopened.read(0, 10)).extracting(AuditEvent::action).containsExactly("session.create", "session.stop");
        }
    }

    @Test
    void tornFinalLineIsCutOffAndTheLogGoesOnFromTheLineBefore() throws Exception {
        try (AuditLog log = open(AuditOptions.defaults())) {
            for (int i = 0; i < 3; i++) {
                log.record(commandExit("s-1", i));
            }
        }
        Path segment = segment(dir(), 1);
        long intact = Files.size(segment);
        // what a crash in the middle of writing the next batch leaves: half a line, no newline
        Files.writeString(segment, "{\"seq\":4,\"time\":\"2025-0", StandardOpenOption.APPEND);
        assertThat(AuditLog.verify(dir()).problem().kind()).isEqualTo(VerifyReport.Kind.MALFORMED_LINE);

        try (AuditLog log = open(AuditOptions.defaults())) {
            assertThat(Files.size(segment)).isEqualTo(intact);
            assertThat(log.lastSeq()).isEqualTo(3);
            log.record(commandExit("s-1", 3));
            log.flush();
            assertThat(log.read(2, 10)).extracting(AuditEvent::seq).containsExactly(3L, 4L);
        }
        assertThat(AuditLog.verify(dir()).ok()).isTrue();
    }

    @Test
    void onlyATornFinalLineIsCutAndOtherDamageIsLeftForVerify() throws Exception {
        try (AuditLog log = open(AuditOptions.defaults())) {
            for (int i = 0; i < 5; i++) {
                log.record(commandExit("s-1", i));
            }
        }
        Path segment = segment(dir(), 1);
        List<byte[]> lines = lines(segment);
        lines.set(2, "not json at all".getBytes(UTF_8));
        AuditFixture.writeLines(segment, lines);
        byte[] damaged = Files.readAllBytes(segment);

        try (AuditLog log = open(AuditOptions.defaults())) {
            assertThat(Files.readAllBytes(segment)).isEqualTo(damaged);
            log.record(commandExit("s-1", 5));
            log.flush();
            assertThat(log.lastSeq()).isEqualTo(6);
        }
        VerifyReport.Problem p = AuditLog.verify(dir()).problem();
        assertThat(p.file()).isEqualTo("segment-000001.jsonl");
        assertThat(p.line()).isEqualTo(3);
        assertThat(p.kind()).isEqualTo(VerifyReport.Kind.MALFORMED_LINE);
    }

    @Test
    void aLineIsTheEventsJsonChainedByTheSha256OfItsBytesBeforeTheHashMember() throws Exception {
        try (AuditLog log = AuditLog.open(dir(), key(), Clock.fixed(Instant.parse("2025-03-04T05:06:07Z"), java.time.ZoneOffset.UTC))) {
            log.record(AuditEvent.draft("alice", "token", null, "s-1", "session/s-1", "session.create", "ok",
                    Map.of("runtime", "py@1", "b", 2)));
            log.record(commandExit("s-1", 1));
        }
        List<byte[]> lines = lines(segment(dir(), 1));
        String first = new String(lines.get(0), UTF_8);
        String prefix = "{\"seq\":1,\"time\":\"2025-03-04T05:06:07.000Z\",\"principal\":\"alice\",\"authMethod\":\"token\","
                + "\"session\":\"s-1\",\"resource\":\"session/s-1\",\"action\":\"session.create\",\"outcome\":\"ok\","
                + "\"details\":{\"b\":2,\"runtime\":\"py@1\"},\"prev\":\"" + "0".repeat(64) + "\"";
        String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(prefix.getBytes(UTF_8)));
        assertThat(first).isEqualTo(prefix + ",\"hash\":\"" + hash + "\"}");
        assertThat(new String(lines.get(1), UTF_8)).startsWith("{\"seq\":2,").contains("\"prev\":\"" + hash + "\"");
    }

    @Test
    void readFindsEventsInAnySegmentAndAtAnyPointOfOne() throws Exception {
        try (AuditLog log = open(AuditOptions.defaults().withSegmentBytes(4096))) {
            for (int i = 0; i < 300; i++) {
                log.record(commandExit("s-1", i));
            }
            log.flush();
            assertThat(Segments.list(dir())).hasSizeGreaterThan(10);
            assertThat(log.read(0, 3)).extracting(AuditEvent::seq).containsExactly(1L, 2L, 3L);
            assertThat(log.read(137, 4)).extracting(AuditEvent::seq).containsExactly(138L, 139L, 140L, 141L);
            assertThat(log.read(290, 100)).extracting(AuditEvent::seq)
                    .containsExactlyElementsOf(LongStream.rangeClosed(291, 300).boxed().toList());
            assertThat(log.read(300, 10)).isEmpty();
            assertThat(log.read(0, 1000)).hasSize(300);
            AuditEvent e = log.read(41, 1).getFirst();
            assertThat(e.resource()).isEqualTo("command/c-41");
            assertThat(e.details()).containsEntry("argv", List.of("python3", "-c", "print(41)")).containsEntry("exit", 0);
        }
    }

    @Test
    void readSearchesWithinALargeSegment() throws Exception {
        try (AuditLog log = open(AuditOptions.defaults())) {
            for (int i = 0; i < 5000; i++) {
                log.record(commandExit("s-1", i));
            }
            log.flush();
            assertThat(Files.size(segment(dir(), 1))).as("more than one search window").isGreaterThan(1 << 20);
            for (long after : new long[] {0, 1, 2499, 4000, 4998}) {
                assertThat(log.read(after, 2)).extracting(AuditEvent::seq).containsExactly(after + 1, after + 2);
            }
        }
    }

    @Test
    void queryFiltersBySessionPrincipalActionTimeAndSeq() throws Exception {
        Instant t0 = Instant.parse("2025-06-01T10:00:00Z");
        TestClock clock = new TestClock(t0);
        try (AuditLog log = AuditLog.open(dir(), key(), clock)) {
            log.record(event("alice", "s-1", "session.create")); // 1 @ t0
            log.record(event("bob", "s-2", "session.create")); // 2 @ t0
            log.flush();
            clock.advance(Duration.ofMinutes(1));
            log.record(event("alice", "s-1", "command.start")); // 3 @ t0+1m
            log.record(event("alice", "s-1", "command.exit")); // 4
            log.record(event("bob", "s-2", "command.exit")); // 5
            log.flush();
            clock.advance(Duration.ofMinutes(1));
            log.record(event("alice", "s-1", "session.stop")); // 6 @ t0+2m
            log.flush();

            assertThat(seqs(log.query(AuditQuery.ALL))).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
            assertThat(seqs(log.query(AuditQuery.ALL.withSession("s-2")))).containsExactly(2L, 5L);
            assertThat(seqs(log.query(AuditQuery.ALL.withPrincipal("alice")))).containsExactly(1L, 3L, 4L, 6L);
            assertThat(seqs(log.query(AuditQuery.ALL.withActionPrefix("command.")))).containsExactly(3L, 4L, 5L);
            assertThat(seqs(log.query(AuditQuery.ALL.withTimes(t0.plusSeconds(60), t0.plusSeconds(120)))))
                    .as("since inclusive, until exclusive").containsExactly(3L, 4L, 5L);
            assertThat(seqs(log.query(AuditQuery.ALL.withTimes(t0.plusSeconds(61), null)))).containsExactly(6L);
            assertThat(seqs(log.query(AuditQuery.ALL.withLimit(2)))).as("the newest two, oldest first").containsExactly(5L, 6L);
            assertThat(seqs(log.query(AuditQuery.ALL.withPrincipal("alice").withLimit(3)))).containsExactly(3L, 4L, 6L);
            assertThat(seqs(log.query(AuditQuery.ALL.withAfterSeq(4L)))).containsExactly(5L, 6L);
            assertThat(seqs(log.query(AuditQuery.ALL.withSession("s-1").withActionPrefix("session.")
                    .withAfterSeq(1L)))).containsExactly(6L);
            assertThat(log.query(AuditQuery.ALL.withSession("s-3"))).isEmpty();
            assertThat(log.read(2, 1).getFirst().time()).isEqualTo(t0.plusSeconds(60));
        }
    }

    @Test
    void followDeliversTheBacklogThenLiveEventsEachOnceInOrder() throws Exception {
        try (AuditLog log = open(AuditOptions.defaults().withSegmentBytes(8192))) {
            for (int i = 0; i < 100; i++) {
                log.record(commandExit("s-1", i));
            }
            log.flush();
            List<Long> seen = Collections.synchronizedList(new ArrayList<>());
            try (AuditLog.Subscription sub = log.follow(40, e -> seen.add(e.seq()))) {
                Thread recorder = Thread.ofPlatform().start(() -> {
                    for (int i = 100; i < 1100; i++) {
                        log.record(commandExit("s-1", i));
                    }
                });
                recorder.join();
                log.flush();
                await().atMost(Duration.ofSeconds(20)).until(() -> seen.size() >= 1060);
            }
            assertThat(Segments.list(dir())).as("the follower crossed segment rolls").hasSizeGreaterThan(5);
            assertThat(List.copyOf(seen)).isEqualTo(LongStream.rangeClosed(41, 1100).boxed().toList());
        }
    }

    @Test
    void followFromTheEndSeesOnlyNewEvents() throws Exception {
        try (AuditLog log = open(AuditOptions.defaults())) {
            log.record(event("alice", "s-1", "session.create"));
            log.flush();
            List<AuditEvent> seen = Collections.synchronizedList(new ArrayList<>());
            try (AuditLog.Subscription sub = log.follow(log.lastSeq(), seen::add)) {
                log.record(event("alice", "s-1", "session.stop"));
                await().atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty());
            }
            assertThat(seen).extracting(AuditEvent::seq, AuditEvent::action).containsExactly(
                    org.assertj.core.groups.Tuple.tuple(2L, "session.stop"));
        }
    }

    @Test
    void aStuckFollowerDoesNotHoldUpTheWriter() throws Exception {
        try (AuditLog log = open(AuditOptions.defaults().withQueueCapacity(16))) {
            CountDownLatch release = new CountDownLatch(1);
            List<Long> seen = Collections.synchronizedList(new ArrayList<>());
            try (AuditLog.Subscription sub = log.follow(0, e -> {
                seen.add(e.seq());
                try {
                    release.await();
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            })) {
                for (int i = 0; i < 2000; i++) {
                    log.record(commandExit("s-1", i));
                }
                log.flush(); // would hang if the writer waited for the listener
                assertThat(log.lastSeq()).isEqualTo(2000);
                assertThat(seen).hasSizeLessThanOrEqualTo(1);
                release.countDown();
                await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 2000);
            }
            assertThat(List.copyOf(seen)).isEqualTo(LongStream.rangeClosed(1, 2000).boxed().toList());
        }
    }

    @Test
    void closedSubscriptionDeliversNoMore() throws Exception {
        try (AuditLog log = open(AuditOptions.defaults())) {
            List<Long> seen = Collections.synchronizedList(new ArrayList<>());
            AuditLog.Subscription sub = log.follow(0, e -> seen.add(e.seq()));
            log.record(event("alice", "s-1", "session.create"));
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 1);
            sub.close();
            log.record(event("alice", "s-1", "session.stop"));
            log.flush();
            List<Long> more = Collections.synchronizedList(new ArrayList<>());
            try (AuditLog.Subscription probe = log.follow(1, e -> more.add(e.seq()))) {
                await().atMost(Duration.ofSeconds(10)).until(() -> more.size() == 1); // delivery had every chance
            }
            assertThat(seen).containsExactly(1L);
        }
    }

    @Test
    void flushReturnsOnceEverythingRecordedBeforeIsOnDisk() throws Exception {
        try (AuditLog log = open(AuditOptions.defaults())) {
            for (int i = 0; i < 10_000; i++) {
                log.record(commandExit("s-1", i));
            }
            log.flush();
            assertThat(log.lastSeq()).isEqualTo(10_000);
            // on disk, not only in the log's memory: the segment's own lines say so
            List<byte[]> lines = lines(segment(dir(), 1));
            assertThat(lines).hasSize(10_000);
            byte[] last = lines.getLast();
            assertThat(LineFormat.seqOf(last, 0, last.length)).isEqualTo(10_000);
            log.flush(); // nothing new: returns at once
        }
    }

    @Test
    void awaitAfterWaitsForTheNextDurableEvent() throws Exception {
        try (AuditLog log = open(AuditOptions.defaults())) {
            assertThat(log.awaitAfter(0, Duration.ofMillis(20))).isFalse();
            Thread.ofVirtual().start(() -> log.record(event("alice", "s-1", "session.create")));
            assertThat(log.awaitAfter(0, Duration.ofSeconds(10))).isTrue();
            assertThat(log.lastSeq()).isEqualTo(1);
            assertThat(log.read(0, 10)).hasSize(1);
        }
    }

    @Test
    void theRedactorSeesEveryDraftBeforeItIsWritten() throws Exception {
        AuditOptions options = AuditOptions.defaults().withRedactor(e -> e.details().containsKey("token")
                ? e.withDetails(Map.of("token", "***")) : e);
        try (AuditLog log = open(options)) {
            log.record(AuditEvent.draft("alice", "token", null, null, "token/t-1", "token.create", "ok",
                    Map.of("token", "brt_s3cr3t")));
            log.flush();
            assertThat(log.read(0, 1).getFirst().details()).containsExactly(Map.entry("token", "***"));
        }
        assertThat(Files.readString(segment(dir(), 1))).doesNotContain("s3cr3t");
    }

    @Test
    void aFailingRedactorCostsTheDetailsButNotTheEvent() throws Exception {
        AuditOptions options = AuditOptions.defaults().withRedactor(e -> {
            throw new IllegalStateException("bug in the redactor");
        });
        try (AuditLog log = open(options)) {
            log.record(AuditEvent.draft("alice", "token", null, null, "token/t-1", "token.create", "ok",
                    Map.of("token", "brt_s3cr3t")));
            log.flush();
            AuditEvent e = log.read(0, 1).getFirst();
            assertThat(e.action()).isEqualTo("token.create");
            assertThat(e.details()).containsOnlyKeys("detailsError");
        }
        assertThat(Files.readString(segment(dir(), 1))).doesNotContain("s3cr3t");
    }

    @Test
    void detailsJacksonCannotWriteAreReplacedByTheReason() throws Exception {
        try (AuditLog log = open(AuditOptions.defaults())) {
            log.record(AuditEvent.draft("alice", "token", null, null, "audit", "audit.export", "ok",
                    Map.of("stream", new Object())));
            log.record(event("alice", "s-1", "session.create"));
            log.flush();
            assertThat(log.read(0, 2)).extracting(AuditEvent::action).containsExactly("audit.export", "session.create");
            assertThat(log.read(0, 1).getFirst().details()).containsOnlyKeys("detailsError");
        }
        assertThat(AuditLog.verify(dir()).ok()).isTrue();
    }

    @Test
    void checkpointsAreSignedEveryNEventsAndAtClose() throws Exception {
        try (AuditLog log = open(AuditOptions.defaults().withCheckpointEvery(10))) {
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < 10; i++) {
                    log.record(commandExit("s-1", i));
                }
                log.flush();
            }
            for (int i = 0; i < 5; i++) {
                log.record(commandExit("s-1", i));
            }
        }
        List<Checkpoints.Checkpoint> checkpoints = new ArrayList<>();
        for (byte[] line : lines(dir().resolve("checkpoints.jsonl"))) {
            checkpoints.add(Checkpoints.parse(line, 0, line.length));
        }
        assertThat(checkpoints).extracting(Checkpoints.Checkpoint::seq).containsExactly(10L, 20L, 25L);
        var pub = SigningKey.readPublic(dir().resolve("checkpoint.pub"));
        assertThat(checkpoints).allMatch(c -> c.signedBy(pub));
        List<byte[]> events = lines(segment(dir(), 1));
        assertThat(checkpoints.get(1).hash()).isEqualTo(LineFormat.storedHash(events.get(19), 0, events.get(19).length));
    }

    @Test
    void filesArePrivateAndTheKeyMustMatchTheLog() throws Exception {
        open(AuditOptions.defaults()).close();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir()))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key()))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(segment(dir(), 1)))).isEqualTo("rw-------");
        assertThat(Files.readString(key())).contains("BEGIN PRIVATE KEY", "BEGIN PUBLIC KEY");
        assertThat(Files.readString(dir().resolve("checkpoint.pub"))).contains("BEGIN PUBLIC KEY").doesNotContain("PRIVATE");

        open(AuditOptions.defaults()).close(); // the same key: fine
        Path otherKey = tmp.resolve("other.key");
        assertThatThrownBy(() -> AuditLog.open(dir(), otherKey, Clock.systemUTC()))
                .isInstanceOf(IOException.class).hasMessageContaining("does not match");
    }

    @Test
    void aLogHasOneWriterAtATime() throws Exception {
        try (AuditLog log = open(AuditOptions.defaults())) {
            assertThatThrownBy(() -> open(AuditOptions.defaults())).isInstanceOf(IOException.class)
                    .hasMessageContaining("open already");
            log.record(event("alice", "s-1", "session.create"));
        }
        try (AuditLog again = open(AuditOptions.defaults())) { // closing let go of it
            assertThat(again.lastSeq()).isEqualTo(1);
        }
    }

    @Test
    void oneDaemonPlatformThreadNamedAuditWriterWrites() throws Exception {
        try (AuditLog log = open(AuditOptions.defaults())) {
            Thread writer = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("audit-writer")).findFirst().orElseThrow();
            assertThat(writer.isDaemon()).isTrue();
            assertThat(writer.isVirtual()).isFalse();
        }
    }

    @Test
    void recordAfterCloseIsRefusedAndWhatCameBeforeIsKept() throws Exception {
        AuditLog log = open(AuditOptions.defaults());
        log.record(event("alice", "s-1", "session.create"));
        log.close();
        assertThatThrownBy(() -> log.record(event("alice", "s-1", "session.stop"))).isInstanceOf(IllegalStateException.class);
        assertThat(log.read(0, 10)).hasSize(1); // close wrote what was queued
        log.close(); // twice is fine
    }

    @Test
    void verifyOfALiveLogChecksUpToItsLastDurableEvent() throws Exception {
        try (AuditLog log = open(AuditOptions.defaults().withCheckpointEvery(50).withSegmentBytes(64 * 1024))) {
            Thread recorder = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 20_000; i++) {
                    log.record(commandExit("s-1", i));
                }
            });
            List<VerifyReport> reports = new ArrayList<>();
            while (recorder.isAlive()) {
                reports.add(log.verify());
            }
            recorder.join();
            log.flush();
            reports.add(log.verify());
            assertThat(reports).allMatch(VerifyReport::ok, "ok");
            assertThat(reports.getLast().eventsChecked()).isEqualTo(20_000);
        }
    }

    private static List<Long> seqs(List<AuditEvent> events) {
        return events.stream().map(AuditEvent::seq).toList();
    }
}
