package dev.berth.server.audit.otlp;

/**
 * What {@link OtlpExporter} has done so far in this process (counters start at 0 on each start;
 * the cursor does not).
 *
 * @param exported        events the receiver acknowledged with a 2xx
 * @param lastExportedSeq the highest seq acknowledged, 0 if none yet in this process
 * @param failedAttempts  requests that will be retried: no connection, timeout, 429, 5xx
 * @param skipped         events in batches the receiver refused with a 4xx other than 429; not retried
 * @param rejected        events the receiver dropped after a 2xx, as its partial-success answer said
 * @param lag             durable events not yet past the cursor ({@code source.lastSeq() - cursor})
 * @param lastError       the latest failure, skip or partial success, null if none
 */
public record OtlpStats(long exported, long lastExportedSeq, long failedAttempts, long skipped, long rejected,
        long lag, String lastError) {
}
