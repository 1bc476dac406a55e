package dev.berth.server.audit;

import static dev.berth.server.audit.AuditFixture.commandExit;
import static dev.berth.server.audit.AuditFixture.lines;
import static dev.berth.server.audit.AuditFixture.segment;
import static dev.berth.server.audit.AuditFixture.writeLines;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.server.audit.VerifyReport.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The tamper matrix: whatever is done to a closed log's files, verify names the file, line and kind
 * of the first damage. The log: 20 events in one segment, checkpoints signed at seqs 5, 10, 15, 20.
 */
class AuditVerifyTest {
    private static final String SEGMENT = "segment-000001.jsonl";
    private static final String CHECKPOINTS = "checkpoints.jsonl";

    @TempDir
    Path tmp;
    private Path dir;
    private Path segment;

    @BeforeEach
    void writeLog() throws Exception {
        dir = tmp.resolve("audit");
        try (AuditLog log = AuditLog.open(dir, tmp.resolve("audit.key"), Clock.systemUTC(),
                AuditOptions.defaults().withCheckpointEvery(5))) {
            for (int i = 1; i <= 20; i++) {
                log.record(commandExit("s-1", i));
                if (i % 5 == 0) {
                    log.flush(); // one group commit per five: checkpoints at exactly 5, 10, 15 and 20
                }
            }
        }
        segment = segment(dir, 1);
    }

    @Test
    void anUntouchedLogVerifiesWithoutThePrivateKey() throws Exception {
        Path elsewhere = tmp.resolve("copy");
        Files.createDirectories(elsewhere);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, elsewhere.resolve(f.getFileName()));
            }
        }
        VerifyReport report = AuditLog.verify(elsewhere);
        assertThat(report).isEqualTo(new VerifyReport(true, 20, 4, null));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            a details value | "cwd":"/mnt/workspace" | 10
            a details number | "durationMs":47       | 13
            the seq          | {"seq":7,             | 7
            the time         | "time":"              | 12
            the principal    | "principal":"alice"   | 13
            the prev         | "prev":"              | 20
            the hash         | "hash":"              | 30
            """)
    void editingOneByteOfALineIsAHashMismatchOnThatLine(String what, String marker, int offset) throws Exception {
        editByte(segment, 6, marker, offset);
        assertProblem(SEGMENT, 7, Kind.HASH_MISMATCH);
    }

    @Test
    void everyOneByteEditOfAnEventLineIsCaughtOnThatLine() throws Exception {
        byte[] original = Files.readAllBytes(segment);
        for (int index : new int[] {0, 19}) { // the first (chained to zeros) and the last; line 7 below
            int length = lines(segment).get(index).length;
            for (int at = 0; at < length; at++) {
                List<byte[]> lines = lines(segment);
                byte[] line = lines.get(index);
                line[at] = (byte) (line[at] == '1' ? '2' : '1');
                writeLines(segment, lines);
                VerifyReport report = AuditLog.verify(dir);
                assertThat(report.ok()).as("line %d, byte %d", index + 1, at).isFalse();
                assertThat(report.problem().line()).as("line %d, byte %d: %s", index + 1, at, report.problem()).isEqualTo(index + 1);
                Files.write(segment, original);
            }
        }
    }

    @Test
    void everyOneByteEditOfACheckpointIsCaughtOnThatLine() throws Exception {
        Path checkpoints = dir.resolve(CHECKPOINTS);
        byte[] original = Files.readAllBytes(checkpoints);
        int length = lines(checkpoints).get(1).length;
        for (int at = 0; at < length; at++) {
            List<byte[]> lines = lines(checkpoints);
            lines.get(1)[at] = (byte) (lines.get(1)[at] == '1' ? '2' : '1');
            writeLines(checkpoints, lines);
            VerifyReport report = AuditLog.verify(dir);
            assertThat(report.ok()).as("byte %d", at).isFalse();
            assertThat(report.problem().file()).isEqualTo(CHECKPOINTS);
            assertThat(report.problem().line()).as("byte %d: %s", at, report.problem()).isEqualTo(2);
            Files.write(checkpoints, original);
        }
    }

    @Test
    void aSignatureSpelledAnotherWayIsBad() throws Exception {
        Path checkpoints = dir.resolve(CHECKPOINTS);
        List<byte[]> lines = lines(checkpoints);
        Checkpoints.Checkpoint c = Checkpoints.parse(lines.get(1), 0, lines.get(1).length);
        String sig = c.sig();
        int last = sig.indexOf('=') - 1; // 64 bytes: 86 characters and "==", the last one carrying 4 bits
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (char other : alphabet.toCharArray()) {
            if (other == sig.charAt(last)) {
                continue;
            }
            String respelled = sig.substring(0, last) + other + sig.substring(last + 1);
            lines.set(1, dev.berth.api.Json.mapper().writeValueAsBytes(
                    new Checkpoints.Checkpoint(c.seq(), c.hash(), c.time(), respelled)));
            writeLines(checkpoints, lines);
            assertThat(AuditLog.verify(dir).problem()).as("%s", respelled).extracting(VerifyReport.Problem::line,
                    VerifyReport.Problem::kind).containsExactly(2L, Kind.BAD_SIGNATURE);
        }
    }

    @Test
    void deletingAMiddleLineIsASeqGap() throws Exception {
        List<byte[]> lines = lines(segment);
        lines.remove(6);
        writeLines(segment, lines);
        VerifyReport.Problem p = assertProblem(SEGMENT, 7, Kind.SEQ_GAP);
        assertThat(p.seq()).isEqualTo(8);
    }

    @Test
    void deletingTheLastLineIsCaughtByTheLastCheckpoint() throws Exception {
        List<byte[]> lines = lines(segment);
        lines.removeLast();
        writeLines(segment, lines);
        VerifyReport.Problem p = assertProblem(CHECKPOINTS, 4, Kind.TRUNCATED);
        assertThat(p.seq()).isEqualTo(20);
    }

    @Test
    void deletingTheLastLinesBackToACheckpointIsCaughtToo() throws Exception {
        List<byte[]> lines = lines(segment);
        writeLines(segment, lines.subList(0, 15)); // exactly up to the checkpoint at 15
        assertProblem(CHECKPOINTS, 4, Kind.TRUNCATED);
    }

    @Test
    void swappingTwoAdjacentLinesIsASeqOrderProblem() throws Exception {
        List<byte[]> lines = lines(segment);
        java.util.Collections.swap(lines, 5, 6);
        writeLines(segment, lines);
        assertThat(assertProblem(SEGMENT, 6, Kind.SEQ_ORDER).seq()).isEqualTo(7);
    }

    @Test
    void swappingTwoDistantLinesIsASeqOrderProblem() throws Exception {
        List<byte[]> lines = lines(segment);
        java.util.Collections.swap(lines, 2, 11);
        writeLines(segment, lines);
        assertThat(assertProblem(SEGMENT, 3, Kind.SEQ_ORDER).seq()).isEqualTo(12);
    }

    @Test
    void aCopiedLineIsASeqOrderProblem() throws Exception {
        List<byte[]> lines = lines(segment);
        lines.add(8, lines.get(3));
        writeLines(segment, lines);
        assertThat(assertProblem(SEGMENT, 9, Kind.SEQ_ORDER).seq()).isEqualTo(4);
    }

    @Test
    void aLineReplacedWithARehashedOneBreaksTheChainAtTheNextLine() throws Exception {
        rechain(6, 7, e -> e.withDetails(Map.of("exit", 0)));
        assertProblem(SEGMENT, 8, Kind.PREV_MISMATCH);
    }

    @Test
    void aChainRewrittenToTheEndIsCaughtByTheSignedCheckpoints() throws Exception {
        rechain(6, 20, e -> e.withDetails(Map.of("exit", 0)));
        VerifyReport.Problem p = assertProblem(CHECKPOINTS, 2, Kind.CHECKPOINT_MISMATCH);
        assertThat(p.seq()).isEqualTo(10);
    }

    @Test
    void anEditedCheckpointHasABadSignature() throws Exception {
        Path checkpoints = dir.resolve(CHECKPOINTS);
        List<byte[]> lines = lines(checkpoints);
        Checkpoints.Checkpoint second = Checkpoints.parse(lines.get(1), 0, lines.get(1).length);
        String otherHash = LineFormat.storedHash(lines(segment).get(8), 0, lines(segment).get(8).length);
        lines.set(1, dev.berth.api.Json.mapper().writeValueAsBytes(
                new Checkpoints.Checkpoint(9, otherHash, second.time(), second.sig())));
        writeLines(checkpoints, lines);
        assertThat(assertProblem(CHECKPOINTS, 2, Kind.BAD_SIGNATURE).seq()).isEqualTo(9);
    }

    @Test
    void aDeletedSegmentIsMissing() throws Exception {
        Path multi = tmp.resolve("multi");
        try (AuditLog log = AuditLog.open(multi, tmp.resolve("audit.key"), Clock.systemUTC(),
                AuditOptions.defaults().withSegmentBytes(2048))) {
            for (int i = 0; i < 40; i++) {
                log.record(commandExit("s-1", i));
            }
        }
        assertThat(Segments.list(multi)).hasSizeGreaterThan(3);
        assertThat(AuditLog.verify(multi).ok()).isTrue();
        long firstOfSecond = LineFormat.seqOf(lines(segment(multi, 2)).getFirst(), 0, lines(segment(multi, 2)).getFirst().length);
        byte[] first = Files.readAllBytes(segment(multi, 1));

        Files.delete(segment(multi, 2));
        VerifyReport.Problem p = AuditLog.verify(multi).problem();
        assertThat(p.file()).isEqualTo("segment-000002.jsonl");
        assertThat(p.kind()).isEqualTo(Kind.MISSING_SEGMENT);
        assertThat(p.seq()).isEqualTo(firstOfSecond);

        Files.write(segment(multi, 2), first); // put back the wrong one: the seqs tell
        assertThat(AuditLog.verify(multi).problem().kind()).isEqualTo(Kind.SEQ_ORDER);

        Files.delete(segment(multi, 1));
        Files.move(segment(multi, 2), segment(multi, 1)); // gone again, first one this time
        Files.delete(segment(multi, 1));
        assertThat(AuditLog.verify(multi).problem()).extracting(VerifyReport.Problem::file, VerifyReport.Problem::kind)
                .containsExactly("segment-000001.jsonl", Kind.MISSING_SEGMENT);
    }

    @Test
    void aTornFinalLineIsMalformedUntilTheLogIsOpenedAgain() throws Exception {
        Files.writeString(segment, "{\"seq\":21,\"ti", StandardOpenOption.APPEND);
        assertProblem(SEGMENT, 21, Kind.MALFORMED_LINE);
    }

    @Test
    void aReplacedPublicKeyIsCaughtWithTheKeyKnownFromElsewhere() throws Exception {
        var trusted = SigningKey.readPublic(dir.resolve("checkpoint.pub"));
        SigningKey forged = SigningKey.loadOrCreate(tmp.resolve("forged.key"));
        Path checkpoints = dir.resolve(CHECKPOINTS);
        List<byte[]> lines = lines(checkpoints);
        for (int i = 0; i < lines.size(); i++) {
            Checkpoints.Checkpoint c = Checkpoints.parse(lines.get(i), 0, lines.get(i).length);
            String sig = Base64.getEncoder().encodeToString(forged.sign(Checkpoints.message(c.seq(), c.hash(), c.time())));
            lines.set(i, dev.berth.api.Json.mapper().writeValueAsBytes(new Checkpoints.Checkpoint(c.seq(), c.hash(), c.time(), sig)));
        }
        writeLines(checkpoints, lines);
        Files.writeString(dir.resolve("checkpoint.pub"), forged.publicPem());

        assertThat(AuditLog.verify(dir).ok()).as("the directory's own key vouches for the forgery").isTrue();
        VerifyReport withTrusted = AuditLog.verify(dir, trusted);
        assertThat(withTrusted.problem()).extracting(VerifyReport.Problem::file, VerifyReport.Problem::line,
                VerifyReport.Problem::kind).containsExactly(CHECKPOINTS, 1L, Kind.BAD_SIGNATURE);
    }

    @Test
    void problemsReadWell() throws Exception {
        List<byte[]> lines = lines(segment);
        lines.remove(6);
        writeLines(segment, lines);
        VerifyReport report = AuditLog.verify(dir);
        assertThat(report.eventsChecked()).as("the lines before the gap").isEqualTo(6);
        assertThat(report.problem().kind().code()).isEqualTo("seq_gap");
        assertThat(dev.berth.api.Json.mapper().writeValueAsString(report.problem())).contains("\"kind\":\"seq_gap\"");
        assertThat(report.problem().message()).isEqualTo("line 7 holds seq 8 where seq 7 belongs: lines were deleted");
    }

    private VerifyReport.Problem assertProblem(String file, long line, Kind kind) throws IOException {
        VerifyReport report = AuditLog.verify(dir);
        assertThat(report.ok()).as("%s", report).isFalse();
        assertThat(report.problem()).as("%s", report.problem())
                .extracting(VerifyReport.Problem::file, VerifyReport.Problem::line, VerifyReport.Problem::kind)
                .containsExactly(file, line, kind);
        return report.problem();
    }

    /** Changes the byte {@code offset} bytes into the first occurrence of {@code marker} on line {@code index} (0-based). */
    private static void editByte(Path file, int index, String marker, int offset) throws IOException {
        List<byte[]> lines = lines(file);
        byte[] line = lines.get(index);
        int at = new String(line, UTF_8).indexOf(marker);
        assertThat(at).as("marker %s on line %d", marker, index + 1).isNotNegative();
        line[at + offset] = (byte) (line[at + offset] == '1' ? '2' : '1');
        writeLines(file, lines);
    }

    /** Rewrites lines [from, to) (0-based), the first edited, each with a correct hash chained to the line before. */
    private void rechain(int from, int to, UnaryOperator<AuditEvent> edit) throws IOException {
        List<byte[]> lines = lines(segment);
        LineFormat format = new LineFormat();
        byte[] before = lines.get(from - 1);
        String prev = LineFormat.storedHash(before, 0, before.length);
        for (int i = from; i < to; i++) {
            AuditEvent e = LineFormat.decode(lines.get(i), 0, lines.get(i).length).event();
            BatchBuffer out = new BatchBuffer(1024);
            prev = format.append(i == from ? edit.apply(e) : e, prev, out);
            lines.set(i, Arrays.copyOf(out.array(), out.size() - 1));
        }
        writeLines(segment, lines);
    }
}
