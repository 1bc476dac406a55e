package dev.berth.server.sessions;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.SessionState;
import dev.berth.sandbox.spi.Sandbox;
import dev.berth.sandbox.spi.SandboxDriver;
import dev.berth.server.store.CommandRecord;
import dev.berth.server.store.SessionRecord;
import dev.berth.server.store.Store;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The transitions of a session's state, each with its sandbox and workspace: start (or resume),
 * stop, expire and discard. Every transition runs under the session's lock, and each is ordered so
 * that a crash at any point leaves something {@link Reconciler} can finish: going up, the store is
 * written after the host changed (a crash leaves a mounted workspace or a sandbox of a session
 * stored as creating or stopped, which start-up takes down); going away, the sandbox goes first,
 * then the store is written, then files are deleted (a crash leaves a stored session to stop or
 * delete again, or files no stored session owns, which start-up removes).
 */
final class SessionLifecycle {
    private static final System.Logger LOG = System.getLogger(SessionLifecycle.class.getName());

    private final Store store;
    private final SandboxDriver driver;
    private final SessionDirs dirs;
    private final CommandStates commands;
    private final Activity activity;
    private final Clock clock;
    private final Map<String, Sandbox> running = new ConcurrentHashMap<>();
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final SessionChanges changes;
    private volatile SessionWatcher listener = SessionWatcher.NONE;

    void listen(SessionWatcher l) {
        listener = l;
    }

    SessionWatcher listener() {
        return listener;
    }

    SessionLifecycle(Store store, SandboxDriver driver, SessionDirs dirs, CommandStates commands, Activity activity,
            SessionChanges changes, Clock clock) {
        this.changes = changes;
        this.store = store;
        this.driver = driver;
        this.dirs = dirs;
        this.commands = commands;
        this.activity = activity;
        this.clock = clock;
    }

    <T> T withLock(String id, Supplier<T> action) {
        ReentrantLock lock = locks.computeIfAbsent(id, k -> new ReentrantLock());
        lock.lock();
        try {
            return action.get();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code action} holding the locks of all these sessions, taken in id order: two callers
     * that both hold several (forks) can never wait on each other in a cycle.
     */
    <T> T withLocks(java.util.Collection<String> ids, Supplier<T> action) {
        List<ReentrantLock> taken = new ArrayList<>();
        try {
            for (String id : new TreeSet<>(ids)) {
                ReentrantLock lock = locks.computeIfAbsent(id, k -> new ReentrantLock());
                lock.lock();
                taken.add(lock);
            }
            return action.get();
        } finally {
            for (int i = taken.size() - 1; i >= 0; i--) {
                taken.get(i).unlock();
            }
        }
    }

    Optional<Sandbox> sandbox(String id) {
        return Optional.ofNullable(running.get(id));
    }

    boolean isUp(String id) {
        return running.containsKey(id);
    }

    /** Takes a sandbox found running after a restart into this server's care. */
    void adopted(SessionRecord s, Sandbox sandbox) {
        running.put(s.id(), sandbox);
        listener.adopted(s);
        changes.changed();
    }

    /** Starts (or resumes) the session's sandbox on its workspace; the session is then running. */
    SessionRecord start(SessionRecord s) {
        try {
            if (s.diskQuotaBytes() > 0) {
                dirs.image(s.id()).mount();
            }
        } catch (IOException e) {
            throw new ApiException(ErrorCode.SANDBOX_FAILED, "cannot mount the workspace of " + s.id() + ": " + e.getMessage());
        }
        driver.cleanUp(dirs.spec(s)); // whatever a crashed earlier run left behind
        running.put(s.id(), driver.start(dirs.spec(s)));
        SessionRecord started = s.withState(SessionState.RUNNING, null, clock.instant());
        store.updateSession(started);
        listener.started(started);
        changes.changed();
        return started;
    }

    /** Stops the sandbox and records why; the workspace is kept. */
    SessionRecord stop(SessionRecord s, String reason) {
        takeDown(s);
        SessionRecord stopped = s.withState(SessionState.STOPPED, reason, activity.last(s));
        store.updateSession(stopped);
        finishCommands(stopped);
        changes.changed();
        return stopped;
    }

    /** Ends the session for good: sandbox and workspace go, the record stays to answer session_expired. */
    SessionRecord expire(SessionRecord s, String reason) {
        takeDown(s);
        finishCommands(s);
        SessionRecord expired = s.withState(SessionState.EXPIRED, reason, activity.last(s));
        store.updateSession(expired);
        dirs.delete(s.id());
        changes.changed();
        LOG.log(System.Logger.Level.INFO, "session {0} expired ({1}): workspace reclaimed", s.id(), reason);
        return expired;
    }

    /** Removes the session and everything it has: sandbox, record, then files. */
    void discard(SessionRecord s) {
        takeDown(s);
        store.deleteSession(s.id());
        activity.forget(s.id());
        changes.changed();
        dirs.delete(s.id());
    }

    /** After the lock is released for the last time: forget the session's lock. */
    void forget(String id) {
        locks.remove(id);
    }

    /** Kills the sandbox (or what a dead one left) and unmounts the workspace. */
    void takeDown(SessionRecord s) {
        Sandbox sandbox = running.remove(s.id());
        listener.down(s.id());
        if (sandbox != null) {
            sandbox.destroy();
        } else {
            driver.cleanUp(dirs.spec(s));
        }
        try {
            dirs.image(s.id()).unmount();
        } catch (IOException e) {
            throw new ApiException(ErrorCode.SANDBOX_FAILED, "cannot unmount the workspace of " + s.id() + ": " + e.getMessage());
        }
    }

    private void finishCommands(SessionRecord s) {
        for (CommandRecord c : store.runningCommands(s.id())) {
            commands.refresh(s, c, false);
        }
    }
}
