package dev.berth.server.audit;

import dev.berth.server.audit.VerifyReport.Kind;
import dev.berth.server.audit.VerifyReport.Problem;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a log directory from its files alone: every line's hash against its bytes, the seqs for
 * gaps and order, each prev against the line before, the segment numbers for holes, and every
 * checkpoint's signature and hash against the chain. Stops at the first problem.
 */
final class AuditVerifier {
    private final Path dir;
    private final PublicKey key;
    private final long cap;
    private final LineFormat format = new LineFormat();
    private final Map<Long, String> chainAtCheckpoints = new HashMap<>();
    private long expectedSeq = 1;
    private String prevHash = LineFormat.GENESIS;
    private long events;

    /** One line of the checkpoint file: its checkpoint if it is well-formed, else what is wrong. */
    private record CheckpointLine(long line, Checkpoints.Checkpoint checkpoint, Problem problem) {}

    private AuditVerifier(Path dir, PublicKey key, long cap) {
        this.dir = dir;
        this.key = key;
        this.cap = cap;
    }

    /**
     * Verifies the log in {@code dir} with the checkpoint signer's public {@code key}. A log being
     * written is verified up to {@code cap} (its last durable seq); {@link Long#MAX_VALUE} reads all.
     */
    static VerifyReport verify(Path dir, PublicKey key, long cap) throws IOException {
        return new AuditVerifier(dir, key, cap).run();
    }

    private VerifyReport run() throws IOException {
        List<CheckpointLine> checkpoints = readCheckpoints();
        for (CheckpointLine c : checkpoints) {
            if (c.checkpoint() != null) {
                chainAtCheckpoints.put(c.checkpoint().seq(), null);
            }
        }
        Problem chain = scanSegments();
        if (chain != null) {
            return VerifyReport.failed(events, 0, chain);
        }
        long end = expectedSeq - 1;
        int checked = 0;
        for (CheckpointLine c : checkpoints) {
            Problem p = c.problem() != null ? c.problem() : againstChain(c, end);
            if (p != null) {
                return VerifyReport.failed(events, checked, p);
            }
            if (c.checkpoint().seq() <= cap) {
                checked++;
            }
        }
        return VerifyReport.ok(events, checked);
    }

    private Problem againstChain(CheckpointLine c, long end) {
        Checkpoints.Checkpoint cp = c.checkpoint();
        if (cp.seq() > cap) {
            return null; // signed after the live log's cap was taken
        }
        if (!cp.signedBy(key)) {
            return new Problem(Checkpoints.FILE, c.line(), cp.seq(), Kind.BAD_SIGNATURE, "the signature of checkpoint "
                    + c.line() + " (seq " + cp.seq() + ") does not verify: the checkpoint was edited");
        }
        if (cp.seq() > end) {
            return new Problem(Checkpoints.FILE, c.line(), cp.seq(), Kind.TRUNCATED, "checkpoint " + c.line() + " signs seq "
                    + cp.seq() + " but the log ends at seq " + end + ": lines were cut off its end");
        }
        if (!cp.hash().equals(chainAtCheckpoints.get(cp.seq()))) {
            return new Problem(Checkpoints.FILE, c.line(), cp.seq(), Kind.CHECKPOINT_MISMATCH, "checkpoint " + c.line()
                    + " signs hash " + cp.hash() + " for seq " + cp.seq() + " but the chain has "
                    + chainAtCheckpoints.get(cp.seq()) + ": lines up to it were rewritten");
        }
        return null;
    }

    private List<CheckpointLine> readCheckpoints() throws IOException {
        List<CheckpointLine> lines = new ArrayList<>();
        Path file = dir.resolve(Checkpoints.FILE);
        if (!Files.exists(file)) {
            return lines;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            LineReader reader = new LineReader(ch, 0);
            long n = 0;
            for (LineReader.Line line; (line = reader.next()) != null; ) {
                n++;
                lines.add(checkpointLine(n, line));
            }
            if (reader.hasPartialLine() && cap == Long.MAX_VALUE) { // a live log may be writing it right now
                lines.add(new CheckpointLine(n + 1, null, new Problem(Checkpoints.FILE, n + 1, -1, Kind.MALFORMED_LINE,
                        "the last checkpoint has no newline: torn by a crash mid-write (opening the log cuts it off)")));
            }
        }
        return lines;
    }

    /** Parsed only: signatures are checked after the chain, so that a damaged chain is reported without that cost. */
    private static CheckpointLine checkpointLine(long n, LineReader.Line line) {
        try {
            return new CheckpointLine(n, Checkpoints.parse(line.bytes(), line.off(), line.len()), null);
        } catch (IOException e) {
            return new CheckpointLine(n, null, new Problem(Checkpoints.FILE, n, -1, Kind.MALFORMED_LINE,
                    "checkpoint " + n + " is not a checkpoint line: " + e.getMessage()));
        }
    }

    private Problem scanSegments() throws IOException {
        int expectedNumber = 1;
        for (Segments.SegmentFile f : Segments.list(dir)) {
            if (expectedSeq > cap) {
                break;
            }
            if (f.number() != expectedNumber) {
                String missing = Segments.name(expectedNumber);
                return new Problem(missing, 0, expectedSeq, Kind.MISSING_SEGMENT, missing + " is missing (" + f.name()
                        + " is next): the events from seq " + expectedSeq + " on that it held are gone");
            }
            expectedNumber++;
            Problem p = scan(f);
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    private Problem scan(Segments.SegmentFile f) throws IOException {
        try (FileChannel ch = FileChannel.open(f.path(), StandardOpenOption.READ)) {
            LineReader reader = new LineReader(ch, 0);
            long n = 0;
            while (expectedSeq <= cap) {
                LineReader.Line line = reader.next();
                if (line == null) {
                    return reader.hasPartialLine() ? new Problem(f.name(), n + 1, -1, Kind.MALFORMED_LINE, "line " + (n + 1)
                            + " has no newline: torn by a crash mid-write (opening the log cuts it off), or cut short") : null;
                }
                n++;
                Problem p = check(f, n, line, ch);
                if (p != null) {
                    return p;
                }
            }
            return null;
        }
    }

    private Problem check(Segments.SegmentFile f, long n, LineReader.Line line, FileChannel ch) throws IOException {
        byte[] b = line.bytes();
        long heldSeq = LineFormat.seqOf(b, line.off(), line.len());
        if (!LineFormat.hasHashMember(b, line.off(), line.len())) {
            return new Problem(f.name(), n, heldSeq, Kind.MALFORMED_LINE, "line " + n + " does not end with its hash member");
        }
        String stored = LineFormat.storedHash(b, line.off(), line.len());
        String computed = format.computedHash(b, line.off(), line.len());
        if (!stored.equals(computed)) {
            return new Problem(f.name(), n, heldSeq, Kind.HASH_MISMATCH, "line " + n + " hashes to " + computed
                    + " but holds " + stored + ": the line was edited");
        }
        LineFormat.Stored s;
        try {
            s = LineFormat.decode(b, line.off(), line.len());
        } catch (IOException e) {
            return new Problem(f.name(), n, heldSeq, Kind.MALFORMED_LINE, "line " + n + " is not an event: " + e.getMessage());
        }
        long seq = s.event().seq();
        if (seq > expectedSeq) {
            boolean later = comesLater(expectedSeq, ch, line.offset() + line.len() + 1);
            return new Problem(f.name(), n, seq, later ? Kind.SEQ_ORDER : Kind.SEQ_GAP, "line " + n + " holds seq " + seq
                    + " where seq " + expectedSeq + " belongs: " + (later ? "lines were moved" : "lines were deleted"));
        }
        if (seq < expectedSeq) {
            return new Problem(f.name(), n, seq, Kind.SEQ_ORDER, "line " + n + " holds seq " + seq + " after seq "
                    + (expectedSeq - 1) + ": lines were moved or copied");
        }
        if (!s.prev().equals(prevHash)) {
            return new Problem(f.name(), n, seq, Kind.PREV_MISMATCH, "line " + n + " chains to " + s.prev()
                    + " but the line before hashes to " + prevHash + ": a line was replaced");
        }
        if (chainAtCheckpoints.containsKey(seq)) {
            chainAtCheckpoints.put(seq, stored);
        }
        prevHash = stored;
        expectedSeq++;
        events++;
        return null;
    }

    /** Whether a line further on in the segment holds {@code seq}: moved lines, rather than deleted ones. */
    private static boolean comesLater(long seq, FileChannel ch, long from) throws IOException {
        LineReader rest = new LineReader(ch, from);
        for (LineReader.Line line; (line = rest.next()) != null; ) {
            if (LineFormat.seqOf(line.bytes(), line.off(), line.len()) == seq) {
                return true;
            }
        }
        return false;
    }
}
