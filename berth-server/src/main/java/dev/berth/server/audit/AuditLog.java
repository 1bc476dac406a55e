package dev.berth.server.audit;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * The tamper-evident audit log: append-only, hash-chained, with signed checkpoints, in one directory.
 *
 * <p>Events: {@code segment-000001.jsonl}, {@code segment-000002.jsonl}, … (a segment is rolled before
 * a line would take it past {@link AuditOptions#segmentBytes}), one event a line, a JSON object with
 * its members in this order, those whose value is null left out and {@code details} keys sorted:
 * <pre>{"seq":7,"time":"2025-01-02T03:04:05.678Z","principal":"alice","authMethod":"token",
 *  "source":"10.0.0.5:51234","session":"s-1","resource":"command/c-9","action":"command.exit",
 *  "outcome":"ok","details":{…},"prev":"&lt;64 hex&gt;","hash":"&lt;64 hex&gt;"}</pre>
 * {@code hash} is the lowercase hex SHA-256 of the line's UTF-8 bytes before {@code ,"hash":}, that is
 * from the opening brace through the closing quote of {@code prev}; {@code prev} is the hash of the line
 * before (across segments too), 64 zeros for seq 1. The bytes as written are hashed, so a verifier
 * needs no canonical JSON: editing any byte of a line changes its hash or breaks its form.
 *
 * <p>Checkpoints: every {@link AuditOptions#checkpointEvery} events and at close, a line
 * {@code {"seq":N,"hash":"<hash of line N>","time":"…","sig":"<base64>"}} in {@code checkpoints.jsonl},
 * {@code sig} being the Ed25519 signature of the ASCII bytes {@code N:hash:time}. The public key is
 * also in {@code checkpoint.pub} (PEM), so {@link #verify(Path)} needs nothing but the directory; a
 * checkpoint shows a rewritten chain and lines cut off the end.
 *
 * <p>Writing: {@link #record} redacts the draft on the caller's thread and queues it (blocking only
 * while the bounded queue is full: an event is never dropped). One platform thread,
 * {@code audit-writer}, takes what has queued up, seals it (seq, time), chains it and writes it with
 * one write and one {@code force} (group commit), and only then publishes it: {@link #read},
 * {@link #follow} and {@link #lastSeq} see durable events only.
 *
 * <p>Opening resumes a log: the chain continues after the last complete line, and an incomplete final
 * line (a crash mid-write; it was never reported durable) is cut off with a warning. Whatever else is
 * wrong is left for {@link #verify()} to report.
 */
public final class AuditLog implements AuditSink, AuditSource, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AuditLog.class.getName());
    /** What close() queues to tell the writer to finish; compared by identity. */
    private static final AuditEvent STOP = AuditEvent.draft("system", "system", null, null, null, "audit.stop", "ok", null);

    /** A {@link #follow} subscription; closing it stops the deliveries. */
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    private final Path dir;
    private final PublicKey publicKey;
    private final AuditOptions options;
    private final AuditWriter writer;
    private final Segments segments;
    private final BlockingQueue<AuditEvent> queue;
    private final Thread writerThread;
    // record() holds it shared while it queues, close() exclusively: nothing is queued after STOP
    private final ReentrantReadWriteLock admission = new ReentrantReadWriteLock();
    private boolean closed; // guarded by admission
    private final LongAdder recorded = new LongAdder();
    private final long seqAtOpen;
    private volatile long durableSeq;
    private volatile Exception failure;
    private volatile boolean writerDone;
    private final ReentrantLock durableLock = new ReentrantLock();
    private final Condition durableAdvanced = durableLock.newCondition();
    private final Set<AuditFollower> followers = ConcurrentHashMap.newKeySet();

    private AuditLog(Path dir, PublicKey publicKey, AuditOptions options, AuditWriter writer) {
        this.dir = dir;
        this.publicKey = publicKey;
        this.options = options;
        this.writer = writer;
        this.segments = writer.segments();
        this.queue = new ArrayBlockingQueue<>(options.queueCapacity());
        this.seqAtOpen = writer.lastSeq();
        this.durableSeq = seqAtOpen;
        this.writerThread = Thread.ofPlatform().name("audit-writer").daemon().unstarted(this::writeLoop);
    }

    /** {@link #open(Path, Path, Clock, AuditOptions)} with the default options. */
    public static AuditLog open(Path dir, Path signingKeyFile, Clock clock) throws IOException {
        return open(dir, signingKeyFile, clock, AuditOptions.defaults());
    }

    /**
     * Opens the log in {@code dir} (made 0700 if missing), resuming it if it has events. The
     * checkpoint key pair lives in {@code signingKeyFile} (made 0600 on first use); its public half is
     * also kept in {@code dir/checkpoint.pub}, which must match it.
     */
    public static AuditLog open(Path dir, Path signingKeyFile, Clock clock, AuditOptions options) throws IOException {
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(options, "options");
        PrivateFiles.createDirectory(dir);
        SigningKey key = SigningKey.loadOrCreate(signingKeyFile);
        writePublicKey(dir, key);
        AuditLog log = new AuditLog(dir, key.publicKey(), options, AuditWriter.open(dir, key, options, clock));
        log.writerThread.start();
        return log;
    }

    private static void writePublicKey(Path dir, SigningKey key) throws IOException {
        Path pub = dir.resolve(Checkpoints.PUBLIC_KEY);
        if (Files.exists(pub)) {
            if (!SigningKey.readPublic(pub).equals(key.publicKey())) {
                // another key would sign checkpoints that verify() then rejects with the one in checkpoint.pub
                throw new IOException("the audit signing key does not match " + pub + ": restore the key this log was signed with");
            }
            return;
        }
        Path tmp = Files.createTempFile(dir, ".checkpoint", ".tmp");
        try {
            Files.writeString(tmp, key.publicPem(), US_ASCII);
            Files.move(tmp, pub, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Redacts and queues a draft; the writer seals and writes it soon after. Blocks only while the
     * queue is full (the writer is behind): an event is never dropped, even when the caller is interrupted.
     *
     * @throws IllegalStateException after {@link #close}
     * @throws UncheckedIOException  once the log could not write
     */
    @Override
    public void record(AuditEvent draft) {
        AuditEvent redacted = redact(Objects.requireNonNull(draft, "draft"));
        admission.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("the audit log is closed");
            }
            failIfBroken();
            recorded.increment(); // before queueing, so that flush() never waits short of an event queued before it
            putUninterruptibly(redacted);
        } finally {
            admission.readLock().unlock();
        }
    }

    /** A redactor that fails costs the details, never the event, and never lets them through unredacted. */
    private AuditEvent redact(AuditEvent draft) {
        try {
            return Objects.requireNonNull(options.redactor().apply(draft), "the redactor returned null");
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "the audit redactor failed on a " + draft.action() + " event; its details are dropped", e);
            return draft.withDetails(Map.of("detailsError", "redaction failed: " + e.getClass().getSimpleName()));
        }
    }

    private void putUninterruptibly(AuditEvent e) {
        boolean interrupted = false;
        while (true) {
            try {
                queue.put(e);
                break;
            } catch (InterruptedException ie) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Blocks until every event whose {@link #record} returned before this call is durable.
     *
     * @throws UncheckedIOException if the log could not write them
     */
    public void flush() throws InterruptedException {
        long target = seqAtOpen + recorded.sum();
        durableLock.lock();
        try {
            while (durableSeq < target) {
                failIfBroken();
                if (writerDone) {
                    throw new IllegalStateException("the audit writer stopped");
                }
                durableAdvanced.await();
            }
        } finally {
            durableLock.unlock();
        }
    }

    private void failIfBroken() {
        Exception f = failure;
        if (f != null) {
            throw f instanceof IOException io ? new UncheckedIOException("the audit log can no longer write", io)
                    : new IllegalStateException("the audit log can no longer write", f);
        }
    }

    /** The writer thread: batches of whatever has queued up, each one group commit. */
    private void writeLoop() {
        List<AuditEvent> batch = new ArrayList<>(options.maxBatch());
        try {
            boolean stop = false;
            while (!stop) {
                batch.add(takeUninterruptibly());
                lingerFor(batch);
                queue.drainTo(batch, options.maxBatch() - batch.size());
                stop = batch.getLast() == STOP; // nothing is queued after it
                if (stop) {
                    batch.removeLast();
                }
                if (!batch.isEmpty() && failure == null) {
                    write(batch);
                }
                batch.clear();
            }
            if (failure == null) {
                writer.close();
            } else {
                writer.abandon();
            }
        } catch (IOException | RuntimeException e) {
            fail(e);
        } finally {
            writerDone = true;
            signalDurable();
        }
    }

    private void write(List<AuditEvent> batch) {
        try {
            long seq = writer.append(batch);
            durableSeq = seq;
            signalDurable();
            writer.checkpointIfDue();
        } catch (IOException | RuntimeException e) {
            fail(e); // what is queued from now on is taken and dropped, so that no recorder blocks for ever
        }
    }

    private void fail(Exception e) {
        if (failure == null) {
            LOG.log(System.Logger.Level.ERROR, "the audit log in " + dir + " can no longer write; events are lost", e);
            failure = e;
        }
        signalDurable();
    }

    /** Gathers what arrives within the commit delay (none by default), so that it shares one force. */
    private void lingerFor(List<AuditEvent> batch) {
        long deadline = System.nanoTime() + options.commitDelay().toNanos();
        while (batch.size() < options.maxBatch() && batch.getLast() != STOP) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                AuditEvent e = queue.poll(left, java.util.concurrent.TimeUnit.NANOSECONDS);
                if (e == null) {
                    return;
                }
                batch.add(e);
            } catch (InterruptedException ignored) {
                return; // only close() ends the writer; an interrupt just ends the wait
            }
        }
    }

    private AuditEvent takeUninterruptibly() {
        while (true) {
            try {
                return queue.take();
            } catch (InterruptedException ignored) {
                // only close() ends the writer, with STOP: an interrupt must not lose what is queued
            }
        }
    }

    private void signalDurable() {
        durableLock.lock();
        try {
            durableAdvanced.signalAll();
        } finally {
            durableLock.unlock();
        }
    }

    @Override
    public long lastSeq() {
        return durableSeq;
    }

    @Override
    public boolean awaitAfter(long afterSeq, Duration timeout) throws InterruptedException {
        if (durableSeq > afterSeq) {
            return true;
        }
        long nanos = timeout.toNanos();
        durableLock.lock();
        try {
            while (durableSeq <= afterSeq) {
                if (nanos <= 0 || writerDone) {
                    return false;
                }
                nanos = durableAdvanced.awaitNanos(nanos);
            }
            return true;
        } finally {
            durableLock.unlock();
        }
    }

    @Override
    public List<AuditEvent> read(long afterSeq, int max) {
        long cap = durableSeq;
        if (max <= 0 || afterSeq >= cap) {
            return List.of();
        }
        try (LogCursor cursor = cursor(afterSeq)) {
            return cursor.next(cap, max);
        } catch (IOException e) {
            throw new UncheckedIOException("reading the audit log in " + dir + " failed", e);
        }
    }

    /** The durable events that match {@code q}, in seq order; with a limit, the newest that many. */
    public List<AuditEvent> query(AuditQuery q) {
        long cap = durableSeq;
        int limit = q.limit() == null ? Integer.MAX_VALUE : q.limit();
        ArrayDeque<AuditEvent> matches = new ArrayDeque<>();
        if (limit == 0) {
            return List.of();
        }
        try (LogCursor cursor = cursor(q.afterSeq() == null ? 0 : q.afterSeq())) {
            for (List<AuditEvent> batch; !(batch = cursor.next(cap, 1024)).isEmpty(); ) {
                for (AuditEvent e : batch) {
                    if (q.matches(e)) {
                        if (matches.size() == limit) {
                            matches.removeFirst();
                        }
                        matches.addLast(e);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("querying the audit log in " + dir + " failed", e);
        }
        return List.copyOf(matches);
    }

    /**
     * Delivers every durable event with a seq greater than {@code afterSeq} to {@code listener}, in
     * order and once each: first what is on disk, then events as they become durable. The listener
     * runs on the subscription's own virtual thread; an exception from it ends the subscription.
     */
    public Subscription follow(long afterSeq, Consumer<AuditEvent> listener) {
        Objects.requireNonNull(listener, "listener");
        AuditFollower follower = new AuditFollower(this, afterSeq, listener);
        followers.add(follower);
        follower.start();
        return follower;
    }

    LogCursor cursor(long afterSeq) {
        return new LogCursor(segments, afterSeq);
    }

    void forget(AuditFollower follower) {
        followers.remove(follower);
    }

    /** Verifies this log up to its last durable event, with the key that signs its checkpoints. */
    public VerifyReport verify() throws IOException {
        return AuditVerifier.verify(dir, publicKey, durableSeq);
    }

    /** Verifies the log in {@code dir}, written by any process, with the key in {@code dir/checkpoint.pub}. */
    public static VerifyReport verify(Path dir) throws IOException {
        return verify(dir, SigningKey.readPublic(dir.resolve(Checkpoints.PUBLIC_KEY)));
    }

    /**
     * Verifies the log in {@code dir} with a public key known from elsewhere: someone able to rewrite
     * the directory can replace {@code checkpoint.pub} too, but cannot sign with this key.
     */
    public static VerifyReport verify(Path dir, PublicKey trustedKey) throws IOException {
        return AuditVerifier.verify(dir, trustedKey, Long.MAX_VALUE);
    }

    /** The public key that verifies this log's checkpoints. */
    public PublicKey publicKey() {
        return publicKey;
    }

    /**
     * Writes what is queued, signs a last checkpoint and closes the files; followers stop. Later
     * {@link #record} calls throw; reading still works.
     */
    @Override
    public void close() throws IOException {
        admission.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            putUninterruptibly(STOP);
        } finally {
            admission.writeLock().unlock();
        }
        boolean interrupted = false;
        while (writerThread.isAlive()) {
            try {
                writerThread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        for (AuditFollower f : List.copyOf(followers)) {
            f.close();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Exception f = failure;
        if (f != null) {
            throw f instanceof IOException io ? io : new IOException("the audit log failed", f);
        }
    }
}
