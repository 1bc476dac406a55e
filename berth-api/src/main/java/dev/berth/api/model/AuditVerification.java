package dev.berth.api.model;

/**
 * {@code POST /v1/audit/verify}: whether the audit chain is intact, and if not where it first breaks.
 *
 * @param problem null when {@code ok}
 */
public record AuditVerification(boolean ok, long eventsChecked, int checkpointsChecked, Problem problem) {
    /**
     * @param kind e.g. {@code hash_mismatch} (a line edited), {@code seq_gap} (deleted), {@code seq_order} (moved)
     */
    public record Problem(String file, long line, long seq, String kind, String message) {}
}
