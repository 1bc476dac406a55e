package dev.berth.server.arena;

import dev.berth.api.model.ArenaAgentInfo;
import dev.berth.api.model.ArenaInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One arena while it runs: its agents (each on its own virtual thread), its state, and a version
 * that moves on every change, which followers wait on.
 */
final class ArenaRun {
    private final String id;
    private final String owner;
    private final Instant createdAt;
    private final ArenaSpec request;
    private final ArenaServices services;
    private final Clock clock;
    private final Consumer<ArenaRun> persist;
    private final List<AgentRun> agents = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    private long version;
    private String state = "running";
    private Instant finishedAt;
    private volatile String cancelled;

    ArenaRun(String id, String owner, Instant createdAt, ArenaSpec request, ArenaServices services, Clock clock,
            Consumer<ArenaRun> persist) {
        this.id = id;
        this.owner = owner;
        this.createdAt = createdAt;
        this.request = request;
        this.services = services;
        this.clock = clock;
        this.persist = persist;
    }

    String id() {
        return id;
    }

    String owner() {
        return owner;
    }

    ArenaSpec request() {
        return request;
    }

    ArenaServices services() {
        return services;
    }

    void add(AgentRun a) {
        agents.add(a);
    }

    List<AgentRun> agents() {
        return List.copyOf(agents);
    }

    void start() {
        for (AgentRun a : agents) {
            threads.add(Thread.ofVirtual().name("arena-" + id + "-" + a.name()).start(a));
        }
    }

    boolean cancelled() {
        return cancelled != null;
    }

    String cancelReason() {
        return cancelled == null ? "stopped" : cancelled;
    }

    /** Stops every agent still going: {@code stopped} when asked to, {@code interrupted} when the server stops. */
    void cancel(String why) {
        if (cancelled == null) {
            cancelled = why;
        }
        changed();
    }

    /** Waits (at most {@code max}) for the agents' threads to end. */
    void join(Duration max) throws InterruptedException {
        long until = System.nanoTime() + max.toNanos();
        for (Thread t : threads) {
            long left = until - System.nanoTime();
            if (left <= 0 || !t.join(Duration.ofNanos(left))) {
                return;
            }
        }
    }

    void agentDone(AgentRun a) {
        boolean all;
        synchronized (this) {
            all = agents.stream().allMatch(AgentRun::over);
            if (all && "running".equals(state)) {
                state = cancelled == null ? "finished" : cancelled;
                finishedAt = clock.instant();
            }
        }
        persist.accept(this);
        changed();
    }

    synchronized void changed() {
        version++;
        notifyAll();
    }

    /** Waits until the version moves past {@code seen} or {@code max} passes; the version then. */
    synchronized long await(long seen, Duration max) throws InterruptedException {
        long until = System.nanoTime() + max.toNanos();
        while (version == seen) {
            long left = until - System.nanoTime();
            if (left <= 0) {
                break;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return version;
    }

    ArenaInfo info() {
        List<ArenaAgentInfo> list = agents.stream().map(AgentRun::info).toList();
        String s;
        Instant f;
        synchronized (this) {
            s = state;
            f = finishedAt;
        }
        return new ArenaInfo(id, owner, s, createdAt, f, request.task(), request.check(), request.from(),
                request.maxIterations(), request.timeoutSeconds(), request.budgetUsd(), list,
                "running".equals(s) ? null : Ranking.winner(list));
    }
}
