package dev.berth.server.config;

import dev.berth.server.audit.otlp.OtlpConfig;
import java.nio.file.Path;

/**
 * What the audit trail keeps and where it goes.
 *
 * @param enabled false only to measure what the audit costs ({@code serve --audit-off}, hidden): nothing is recorded
 * @param recordTtyInput whether ttys' recordings keep what was typed (passwords too), not only output
 * @param otlp where to export events as OpenTelemetry logs; null: no export
 * @param signingKey the key that signs checkpoints; null: {@code DATA/audit-signing.key}. Keep it
 *     outside the data directory where you can: who can write both can forge a history
 */
public record AuditPolicy(boolean enabled, boolean recordTtyInput, OtlpConfig otlp, Path signingKey) {
    public static final AuditPolicy DEFAULTS = new AuditPolicy(true, false, null, null);

    public AuditPolicy withEnabled(boolean on) {
        return new AuditPolicy(on, recordTtyInput, otlp, signingKey);
    }

    public AuditPolicy withRecordTtyInput(boolean on) {
        return new AuditPolicy(enabled, on, otlp, signingKey);
    }

    public AuditPolicy withOtlp(OtlpConfig o) {
        return new AuditPolicy(enabled, recordTtyInput, o, signingKey);
    }

    public AuditPolicy withSigningKey(Path key) {
        return new AuditPolicy(enabled, recordTtyInput, otlp, key);
    }
}
