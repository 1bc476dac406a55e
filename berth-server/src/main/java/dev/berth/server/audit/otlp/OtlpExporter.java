package dev.berth.server.audit.otlp;

import dev.berth.server.audit.AuditEvent;
import dev.berth.server.audit.AuditSource;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Ships the audit log to an OpenTelemetry collector as log records over OTLP/HTTP (protobuf).
 *
 * <p>The log on disk is the queue: one daemon thread reads the events after a persisted cursor,
 * sends them in batches, and moves the cursor past a batch only when the receiver answered 2xx.
 * A batch that fails (no connection, timeout, 429, 5xx) is retried with exponential backoff,
 * honouring Retry-After, for as long as it takes; at most one batch is ever held in memory. A
 * batch refused with another 4xx is logged, counted as skipped and passed, so one malformed batch
 * cannot stop the stream.
 *
 * <p>Delivery is at least once: a crash between the 2xx and the cursor write sends that batch
 * again on the next start. Receivers that must not count twice de-duplicate on {@code berth.seq}.
 */
public final class OtlpExporter implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(OtlpExporter.class.getName());
    /** How long close() waits for the thread; it only has to notice the interrupt. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);
    /** An idle wait for the first event is re-armed at this period (an interrupt ends it at once). */
    private static final Duration IDLE_WAIT = Duration.ofMinutes(1);

    private final AuditSource source;
    private final OtlpConfig config;
    private final Cursor cursorFile;
    private final OtlpLogs logs;
    private final OtlpHttp http;
    private final Thread worker;
    private volatile boolean closed;
    // written by the worker only, read together by stats(): one lock so a snapshot is never half updated
    private final Object lock = new Object();
    private long cursor;
    private long exported;
    private long lastExportedSeq;
    private long failedAttempts;
    private long skipped;
    private long rejected;
    private String lastError;

    /**
     * Reads the cursor from {@code stateDir} (created if missing) but sends nothing before {@link #start}.
     *
     * @throws IOException if the state directory or its cursor file cannot be read
     * @throws IllegalArgumentException if a configured header is one the JDK's HTTP client reserves
     */
    public OtlpExporter(AuditSource source, OtlpConfig config, Path stateDir) throws IOException {
        this.source = source;
        this.config = config;
        this.cursorFile = new Cursor(stateDir);
        long stored = cursorFile.load();
        synchronized (lock) {
            this.cursor = stored;
        }
        this.logs = new OtlpLogs(config.serviceName(), hostName());
        this.http = new OtlpHttp(config);
        this.worker = Thread.ofPlatform().name("berth-otlp-export").daemon().unstarted(this::run);
        if (stored > source.lastSeq()) {
            LOG.log(Level.WARNING, "the OTLP export cursor ({0}) is past the audit log''s end ({1}): "
                    + "nothing is exported until the log grows past it", stored, source.lastSeq());
        }
    }

    public OtlpExporter start() {
        worker.start();
        return this;
    }

    public OtlpStats stats() {
        long last = source.lastSeq(); // before the lock: the source may block on disk
        synchronized (lock) {
            return new OtlpStats(exported, lastExportedSeq, failedAttempts, skipped, rejected,
                    Math.max(0, last - cursor), lastError);
        }
    }

    /** Stops the thread at once, even mid-backoff or mid-request; the cursor keeps what was acknowledged. */
    @Override
    public void close() {
        closed = true;
        worker.interrupt();
        try {
            if (worker.isAlive() && !worker.join(STOP_WAIT)) {
                LOG.log(Level.WARNING, "the OTLP exporter thread did not stop within {0}", STOP_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            http.close();
        }
    }

    private void run() {
        Backoff trouble = new Backoff(config.maxBackoff());
        try {
            while (!closed) {
                try {
                    List<AuditEvent> batch = nextBatch();
                    if (!batch.isEmpty()) {
                        ship(batch);
                    }
                    trouble = new Backoff(config.maxBackoff());
                } catch (RuntimeException e) {
                    // the source failing (a disk or database error) must not end the export for good
                    LOG.log(Level.WARNING, "OTLP export failed, trying again", e);
                    synchronized (lock) {
                        lastError = e.toString();
                    }
                    Thread.sleep(trouble.next(null));
                }
            }
        } catch (InterruptedException e) {
            // close(): the cursor already holds everything acknowledged
        }
    }

    /**
     * The events after the cursor, once {@code batchSize} of them exist or {@code flushInterval}
     * has passed since the first was seen; waits on the source, never polls.
     */
    private List<AuditEvent> nextBatch() throws InterruptedException {
        long after;
        synchronized (lock) {
            after = cursor;
        }
        while (!source.awaitAfter(after, IDLE_WAIT)) {
            if (closed) {
                throw new InterruptedException();
            }
        }
        long deadline = System.nanoTime() + config.flushInterval().toNanos();
        List<AuditEvent> batch = new ArrayList<>(Math.min(config.batchSize(), 64));
        while (true) {
            long last = batch.isEmpty() ? after : batch.getLast().seq();
            batch.addAll(source.read(last, config.batchSize() - batch.size()));
            long left = deadline - System.nanoTime();
            if (batch.size() >= config.batchSize() || left <= 0) {
                return batch;
            }
            last = batch.isEmpty() ? after : batch.getLast().seq();
            source.awaitAfter(last, Duration.ofNanos(left));
        }
    }

    /** Sends one batch until the receiver takes or refuses it. */
    private void ship(List<AuditEvent> batch) throws InterruptedException {
        byte[] body = logs.request(batch, Instant.now()).toByteArray();
        String range = "seq " + batch.getFirst().seq() + ".." + batch.getLast().seq();
        Backoff backoff = new Backoff(config.maxBackoff());
        for (int failures = 0; ; failures++) {
            switch (http.post(body)) {
                case Attempt.Delivered d -> {
                    if (failures > 0) {
                        LOG.log(Level.INFO, "OTLP export recovered: {0} delivered after {1} failed attempts",
                                range, failures);
                    }
                    delivered(batch, range, d);
                    return;
                }
                case Attempt.Refused r -> {
                    String error = range + " skipped, the receiver refused it: " + r.message();
                    LOG.log(Level.ERROR, "OTLP export {0}", error);
                    passed(batch, false, error);
                    return;
                }
                case Attempt.Failed f -> {
                    Duration wait = backoff.next(f.retryAfter());
                    // one warning per outage, not one per retry of a receiver that is down for hours
                    LOG.log(failures == 0 ? Level.WARNING : Level.DEBUG,
                            "OTLP export of {0} failed ({1}); retrying in {2} ms", range, f.message(), wait.toMillis());
                    synchronized (lock) {
                        failedAttempts++;
                        lastError = f.message();
                    }
                    Thread.sleep(wait);
                }
            }
        }
    }

    private void delivered(List<AuditEvent> batch, String range, Attempt.Delivered d) {
        String partial = null;
        if (d.rejected() > 0 || d.message() != null) {
            partial = range + ": the receiver rejected " + d.rejected() + " of " + batch.size() + " records"
                    + (d.message() == null ? "" : ": " + d.message());
            LOG.log(Level.WARNING, "OTLP partial success, {0}", partial);
        }
        synchronized (lock) {
            rejected += d.rejected();
        }
        passed(batch, true, partial);
    }

    /**
     * Moves the cursor past {@code batch}: the file first, then what stats() shows, so that what it
     * reports is on disk. A failed write is reported and memory keeps the position; the next batch
     * writes the file again, and a crash before that resends.
     */
    private void passed(List<AuditEvent> batch, boolean exported, String error) {
        long last = batch.getLast().seq();
        try {
            cursorFile.store(last);
        } catch (IOException e) {
            LOG.log(Level.ERROR, "cannot store the OTLP export cursor", e);
            error = "storing the cursor: " + e.getMessage();
        }
        synchronized (lock) {
            cursor = last;
            if (exported) {
                this.exported += batch.size();
                lastExportedSeq = last;
            } else {
                skipped += batch.size();
            }
            if (error != null) {
                lastError = error;
            }
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            String env = System.getenv("HOSTNAME");
            return env == null || env.isBlank() ? "localhost" : env;
        }
    }
}
