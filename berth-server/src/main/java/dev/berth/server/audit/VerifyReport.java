package dev.berth.server.audit;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * What {@link AuditLog#verify} found: whether the log is intact and, if not, the first problem.
 *
 * @param ok                 no problem found
 * @param eventsChecked      event lines checked (up to the problem, if there is one)
 * @param checkpointsChecked checkpoints whose signature and hash were checked
 * @param problem            the first problem, null if {@code ok}
 */
public record VerifyReport(boolean ok, long eventsChecked, int checkpointsChecked, Problem problem) {

    public VerifyReport {
        if (ok != (problem == null)) {
            throw new IllegalArgumentException("a report has a problem exactly when it is not ok");
        }
    }

    /**
     * Where the log stops being trustworthy.
     *
     * @param file    the segment or checkpoint file's name
     * @param line    1-based line in that file; 0 when the file itself is the problem
     * @param seq     the seq the line holds (or, for {@link Kind#MISSING_SEGMENT}, the seq expected next); -1 if unknown
     */
    public record Problem(String file, long line, long seq, Kind kind, String message) {}

    public enum Kind {
        /** The line's bytes do not hash to the hash it holds: it was edited. */
        HASH_MISMATCH,
        /** A seq is missing: a line was deleted. */
        SEQ_GAP,
        /** A seq comes out of order (the missing one comes later) or again: lines were moved or copied. */
        SEQ_ORDER,
        /** The line's prev is not the previous line's hash: a line was replaced with a rehashed one. */
        PREV_MISMATCH,
        /** Not a line the log writes (bad JSON, missing members, no newline at the end). */
        MALFORMED_LINE,
        /** A checkpoint's signature does not verify with the public key: the checkpoint was edited. */
        BAD_SIGNATURE,
        /** A signed checkpoint names another hash for its seq than the chain has: the chain was rewritten. */
        CHECKPOINT_MISMATCH,
        /** A segment file is gone: the numbers from segment-000001 on have a hole. */
        MISSING_SEGMENT,
        /** A signed checkpoint names a seq past the end of the log: lines were cut off its end. */
        TRUNCATED;

        /** The stable name, as in {@code hash_mismatch}; also its JSON form. */
        @JsonValue
        public String code() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    static VerifyReport ok(long events, int checkpoints) {
        return new VerifyReport(true, events, checkpoints, null);
    }

    static VerifyReport failed(long events, int checkpoints, Problem problem) {
        return new VerifyReport(false, events, checkpoints, problem);
    }
}
