package dev.berth.server.audit;

import dev.berth.server.audit.otlp.OtlpExporter;
import dev.berth.server.audit.tty.TtyRecorder;
import dev.berth.server.audit.tty.TtyRecordings;
import dev.berth.server.config.AuditPolicy;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * The audit trail's parts as the server runs them: the log under {@code DATA/audit/log} (its
 * redactor knowing the server's own secrets), the tty recordings under {@code DATA/audit/tty}, and
 * the OTLP exporter when one is configured. Closed last, so that the server's own stop is on record.
 */
public final class AuditTrail implements AutoCloseable {
    /** Events are durable this long after they happen at most; it spares commands one force each. */
    static final long COMMIT_DELAY_MS = 20;

    private final AuditLog log;
    private final AuditSink sink;
    private final Redactor redactor;
    private final TtyRecordings ttys;
    private final OtlpExporter exporter;

    private AuditTrail(AuditLog log, AuditSink sink, Redactor redactor, TtyRecordings ttys, OtlpExporter exporter) {
        this.log = log;
        this.sink = sink;
        this.redactor = redactor;
        this.ttys = ttys;
        this.exporter = exporter;
    }

    /**
     * @param dataDir the server's data directory
     * @param secrets values never to be written: the admin token, say
     */
    public static AuditTrail open(Path dataDir, AuditPolicy policy, Clock clock, String... secrets) throws IOException {
        Redactor redactor = new Redactor();
        for (String s : secrets) {
            redactor.addSecret(s);
        }
        Path dir = dataDir.resolve("audit");
        Path key = policy.signingKey() != null ? policy.signingKey() : dataDir.resolve("audit-signing.key");
        AuditLog log = AuditLog.open(dir.resolve("log"), key, Clock.systemUTC(),
                AuditOptions.defaults().withRedactor(redactor).withCommitDelay(Duration.ofMillis(COMMIT_DELAY_MS)));
        OtlpExporter exporter = null;
        try {
            exporter = policy.otlp() == null ? null : new OtlpExporter(log, policy.otlp(), dir.resolve("otlp")).start();
        } catch (IOException | RuntimeException e) {
            log.close();
            throw e;
        }
        TtyRecordings ttys = new TtyRecordings(dir.resolve("tty"),
                new TtyRecorder.Config(policy.recordTtyInput(), Duration.ofMillis(200)), clock);
        // with the audit off (only to measure its cost) nothing is recorded; the log still answers queries
        return new AuditTrail(log, policy.enabled() ? log : AuditSink.NONE, redactor, ttys, exporter);
    }

    public AuditLog log() {
        return log;
    }

    /** Where the server's parts record events. */
    public AuditSink sink() {
        return sink;
    }

    public Redactor redactor() {
        return redactor;
    }

    public TtyRecordings ttys() {
        return ttys;
    }

    @Override
    public void close() throws IOException {
        try {
            ttys.close();
            if (exporter != null) {
                exporter.close();
            }
        } finally {
            log.close();
        }
    }
}
