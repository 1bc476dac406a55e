package dev.berth.server.sessions;

import dev.berth.api.model.SessionState;
import dev.berth.api.units.Durations;
import dev.berth.server.audit.AuditEvent;
import dev.berth.server.audit.AuditSink;
import dev.berth.server.lifecycle.LifecyclePolicy;
import dev.berth.server.lifecycle.Lifetime;
import dev.berth.server.store.SessionRecord;
import dev.berth.server.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Stops idle sessions, reclaims the workspaces of long-inactive ones and ends those past their
 * maximum lifetime. One thread sleeps until the earliest deadline of any session (or a change that
 * may bring one closer) and saves sessions' activity on the way, at least every few seconds.
 */
final class Reaper implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Reaper.class.getName());
    /** Longest sleep: bounds how much activity a crash can lose. */
    private static final Duration FLUSH_EVERY = Duration.ofSeconds(5);
    /** After a failed transition: try again, but do not spin. */
    private static final Duration RETRY_AFTER = Duration.ofSeconds(5);

    private final Store store;
    private final SessionLifecycle lifecycle;
    private final CommandStates commands;
    private final Activity activity;
    private final LifecyclePolicy policy;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private boolean woken;
    /** When the thread will look next on its own; a deadline before it needs a wake-up. */
    private volatile Instant plannedWake = Instant.MAX;
    private volatile boolean closed;
    private Thread thread;
    private volatile AuditSink audit = AuditSink.NONE;

    Reaper(Store store, SessionLifecycle lifecycle, CommandStates commands, Activity activity, LifecyclePolicy policy,
            Clock clock) {
        this.store = store;
        this.lifecycle = lifecycle;
        this.commands = commands;
        this.activity = activity;
        this.policy = policy;
        this.clock = clock;
    }

    /** Where the reaper's own stops and expiries are recorded (no user asked for them: the principal is the server). */
    void audit(AuditSink sink) {
        audit = sink;
    }

    private void recorded(String id, String action, String reason) {
        audit.record(AuditEvent.draft("system", "system", null, id, "session/" + id, action, "ok", Map.of("reason", reason)));
    }

    void start() {
        thread = Thread.ofPlatform().daemon().name("berth-reaper").start(this::run);
    }

    /**
     * A session's deadline may have moved closer (it was created, stopped, or its last command
     * ended): wakes the thread if the new deadline comes before it would look anyway. Most calls
     * wake nothing, so a stream of short commands costs no sweeps.
     */
    void reconsider(SessionRecord s) {
        Optional<Instant> due = deadline(s);
        if (due.isPresent() && due.get().isBefore(plannedWake)) {
            wake();
        }
    }

    private void wake() {
        lock.lock();
        try {
            woken = true;
            changed.signal();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (!closed) {
            Instant next;
            try {
                next = sweep();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "session reaper: " + e.getMessage(), e);
                next = clock.instant().plus(RETRY_AFTER);
            }
            sleepUntil(next);
        }
    }

    /** Handles every session whose deadline has come; returns when the next one is due. */
    Instant sweep() {
        Instant now = clock.instant();
        activity.flush(store);
        Instant next = now.plus(FLUSH_EVERY);
        for (SessionRecord s : store.sessions()) {
            Optional<Instant> due = deadline(s);
            if (due.isEmpty()) {
                continue;
            }
            Instant at = due.get();
            if (!at.isAfter(now)) {
                try {
                    at = review(s.id(), now).orElse(null);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "session " + s.id() + ": " + e.getMessage(), e);
                    at = now.plus(RETRY_AFTER);
                }
            }
            if (at != null && at.isBefore(next)) {
                next = at;
            }
        }
        return next;
    }

    /** The next instant at which the session may have to change state, if any. */
    Optional<Instant> deadline(SessionRecord s) {
        Lifetime life = policy.resolve(s.lifetime());
        Instant last = activity.last(s);
        return switch (s.state()) {
            case RUNNING -> earliest(life.idleStopAt(last), life.endsAt(s.createdAt()));
            case STOPPED -> Optional.of(life.reclaimAt(s.createdAt(), last));
            case CREATING, EXPIRED -> Optional.empty();
        };
    }

    /** Under the session's lock, with fresh state: stop, expire, or leave it; returns its next deadline. */
    private Optional<Instant> review(String id, Instant now) {
        return lifecycle.withLock(id, () -> {
            Optional<SessionRecord> found = store.session(id);
            if (found.isEmpty()) {
                return Optional.<Instant>empty();
            }
            SessionRecord s = found.get();
            Lifetime life = policy.resolve(s.lifetime());
            if (s.state() == SessionState.RUNNING || s.state() == SessionState.STOPPED) {
                Optional<Instant> end = life.endsAt(s.createdAt());
                if (end.isPresent() && !end.get().isAfter(now)) {
                    String why = "reached its maximum lifetime of " + Durations.format(life.maxLifetime());
                    lifecycle.expire(s, why);
                    recorded(id, "session.expire", why);
                    return Optional.<Instant>empty();
                }
            }
            if (s.state() == SessionState.RUNNING && life.idleStopAt(activity.last(s)).map(t -> !t.isAfter(now)).orElse(false)) {
                boolean working = commands.running(s, lifecycle.isUp(id)).stream().anyMatch(c -> !SessionIds.isAgent(c.id()));
                if (working || lifecycle.listener().busy(id)) {
                    // a running command is activity (a long build is not idleness), and so is an agent
                    // at work; an agent that merely runs, Healthy and waiting, is not
                    activity.touch(id, now);
                } else if (life.idleStopAt(activity.last(s)).map(t -> !t.isAfter(now)).orElse(false)) {
                    // (the commands that just ended may have moved the last activity on)
                    String why = "idle for " + Durations.format(life.idleTimeout());
                    lifecycle.stop(s, why);
                    recorded(id, "session.idle-stop", why);
                    LOG.log(System.Logger.Level.INFO, "session {0} stopped after {1} idle", id,
                            Durations.format(life.idleTimeout()));
                }
            } else if (s.state() == SessionState.STOPPED && !life.reclaimAt(s.createdAt(), activity.last(s)).isAfter(now)) {
                String why = "inactive for " + Durations.format(life.retention());
                lifecycle.expire(s, why);
                recorded(id, "session.expire", why);
            }
            return store.session(id).flatMap(this::deadline);
        });
    }

    private static Optional<Instant> earliest(Optional<Instant> a, Optional<Instant> b) {
        if (a.isEmpty()) {
            return b;
        }
        if (b.isEmpty()) {
            return a;
        }
        return Optional.of(a.get().isBefore(b.get()) ? a.get() : b.get());
    }

    private void sleepUntil(Instant next) {
        plannedWake = next;
        lock.lock();
        try {
            long nanos = Duration.between(clock.instant(), next).toNanos();
            while (!woken && !closed && nanos > 0) {
                nanos = changed.awaitNanos(Math.min(nanos, TimeUnit.SECONDS.toNanos(FLUSH_EVERY.toSeconds())));
            }
            woken = false;
            plannedWake = Instant.MAX; // sweeping: a change now may be missed by this sweep, so it wakes the next
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        } finally {
            lock.unlock();
        }
    }

    /** Stops the thread and saves the last activity. */
    @Override
    public void close() {
        closed = true;
        wake();
        if (thread != null) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        activity.flush(store);
    }
}
