package dev.berth.server.agents;

import dev.berth.api.model.AgentInfo;
import dev.berth.api.model.ApiException;
import dev.berth.api.model.CommandInfo;
import dev.berth.api.model.CommandState;
import dev.berth.api.model.ErrorCode;
import dev.berth.server.config.RuntimePolicy;
import dev.berth.server.runtimes.RuntimeService;
import dev.berth.server.sessions.CommandService;
import dev.berth.server.sessions.SessionService;
import dev.berth.server.sessions.SessionWatcher;
import dev.berth.server.store.CommandRecord;
import dev.berth.server.store.RuntimeRecord;
import dev.berth.server.store.SessionRecord;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs each runtime session's agent: starts it with the sandbox, asks its {@code /ping}, reports
 * its health, and restarts it per the policy when it exits or stops answering. Right after a start
 * it is asked often (its first answer is what a waiting invocation waits for), then every ping
 * interval.
 */
public final class AgentSupervisor implements SessionWatcher, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AgentSupervisor.class.getName());
    /** Asked this often until the first answer: start-up latency is what a session's first invocation waits. */
    private static final Duration EAGER = Duration.ofMillis(5);
    private static final Duration EAGER_FOR = Duration.ofSeconds(2);
    private static final Duration STARTING = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final RuntimeService runtimes;
    private final SessionService sessions;
    private final CommandService commands;
    private final RuntimePolicy policy;
    private final AgentClient client;
    private final Clock clock;
    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(1,
            Thread.ofPlatform().daemon().name("berth-agents").factory());
    private final Map<String, Agent> agents = new ConcurrentHashMap<>();
    /**
     * Sessions of harness runtimes: no agent runs in them (their argv is empty; turns run as commands),
     * so none is started, pinged or restarted.
     */
    private final Set<String> harnessSessions = ConcurrentHashMap.newKeySet();

    public AgentSupervisor(RuntimeService runtimes, SessionService sessions, CommandService commands, AgentClient client,
            Clock clock) {
        this.runtimes = runtimes;
        this.sessions = sessions;
        this.commands = commands;
        this.policy = runtimes.policy();
        this.client = client;
        this.clock = clock;
    }

    /** One session's agent; its fields change on the timer thread and under its own lock. */
    private final class Agent {
        final String sessionId;
        final RuntimeRecord runtime;
        String commandId;
        int restarts;
        String status = "starting";
        String detail;
        Instant startedAt;
        Instant lastHealthyAt;
        int failures;
        int inflight;
        boolean healthyOnce;
        boolean gone;
        Path socket;
        CompletableFuture<Void> ready = new CompletableFuture<>();

        Agent(String sessionId, RuntimeRecord runtime) {
            this.sessionId = sessionId;
            this.runtime = runtime;
        }

        synchronized AgentInfo info() {
            String shown = inflight > 0 && "healthy".equals(status) ? "busy" : status;
            return new AgentInfo(shown, restarts, commandId, lastHealthyAt, detail);
        }
    }

    /** Whether the runtime runs a harness instead of an agent: then the session is only remembered as one. */
    private boolean harness(SessionRecord s, RuntimeRecord r) {
        if (r.spec().harness() == null && !r.spec().argv().isEmpty()) {
            return false;
        }
        harnessSessions.add(s.id());
        Agent old = agents.remove(s.id());
        if (old != null) {
            old.gone = true;
        }
        return true;
    }

    @Override
    public void started(SessionRecord s) {
        runtimes.forSession(s).filter(r -> !harness(s, r)).ifPresent(r -> {
            Agent a = new Agent(s.id(), r);
            Agent old = agents.put(s.id(), a);
            if (old != null) {
                old.gone = true;
            }
            spawn(a);
            schedule(a, Duration.ZERO);
        });
    }

    @Override
    public void adopted(SessionRecord s) {
        runtimes.forSession(s).filter(r -> !harness(s, r)).ifPresent(r -> {
            Agent a = new Agent(s.id(), r);
            List<CommandRecord> past = commands.agentCommands(s.id());
            if (!past.isEmpty()) {
                CommandRecord last = past.getLast();
                a.commandId = last.id();
                a.restarts = 0;
                a.startedAt = last.startedAt();
            }
            agents.put(s.id(), a);
            if (a.commandId == null) {
                timer.execute(() -> {
                    spawn(a);
                    schedule(a, Duration.ZERO);
                });
            } else {
                schedule(a, Duration.ZERO);
            }
        });
    }

    @Override
    public void down(String id) {
        harnessSessions.remove(id);
        Agent a = agents.remove(id);
        if (a != null) {
            synchronized (a) {
                a.gone = true;
                a.ready.completeExceptionally(new ApiException(ErrorCode.AGENT_UNAVAILABLE, "the session stopped"));
            }
        }
    }

    @Override
    public boolean busy(String id) {
        Agent a = agents.get(id);
        if (a == null) {
            return false;
        }
        synchronized (a) {
            return a.inflight > 0 || "busy".equals(a.status);
        }
    }

    @Override
    public AgentInfo agent(SessionRecord s) {
        Agent a = agents.get(s.id());
        if (a == null) {
            return harnessSessions.contains(s.id()) ? new AgentInfo("harness", 0, null, null,
                    "a harness runtime: its turns run as commands, no agent serves in it")
                    : new AgentInfo("stopped", 0, null, null, null);
        }
        return a.info();
    }

    /**
     * The unix socket of a session's agent, once it answers its ping; waits for that up to the
     * start timeout.
     */
    public Path awaitReady(String sessionId) {
        Agent a = agents.get(sessionId);
        if (a == null) {
            throw new ApiException(ErrorCode.AGENT_UNAVAILABLE, harnessSessions.contains(sessionId)
                    ? "session " + sessionId + " runs a harness: it has no agent to invoke (run its turns as commands)"
                    : "session " + sessionId + " has no agent running");
        }
        CompletableFuture<Void> ready;
        synchronized (a) {
            ready = a.ready;
        }
        try {
            ready.get(policy.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new ApiException(ErrorCode.AGENT_UNAVAILABLE, "the agent of " + sessionId + " did not answer /ping within "
                    + policy.startTimeout().toSeconds() + " s" + (a.detail == null ? "" : ": " + a.detail));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(ErrorCode.AGENT_UNAVAILABLE, "interrupted");
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof ApiException api ? api
                    : new ApiException(ErrorCode.AGENT_UNAVAILABLE, e.getCause().getMessage());
        }
        synchronized (a) {
            return a.socket;
        }
    }

    /** Whether the session's sandbox is up with an agent of runtime {@code name} (any version) in it. */
    public boolean runs(String sessionId, String name) {
        Agent a = agents.get(sessionId);
        return a != null && !a.gone && a.runtime.name().equals(name);
    }

    /** An invocation is in flight: the agent is busy however it answers pings. */
    public void invocationStarted(String sessionId) {
        Optional.ofNullable(agents.get(sessionId)).ifPresent(a -> {
            synchronized (a) {
                a.inflight++;
            }
        });
    }

    public void invocationEnded(String sessionId) {
        Optional.ofNullable(agents.get(sessionId)).ifPresent(a -> {
            synchronized (a) {
                a.inflight = Math.max(0, a.inflight - 1);
            }
        });
    }

    private void spawn(Agent a) {
        try {
            int n = commands.agentCommands(a.sessionId).size() + 1;
            var started = commands.startAgent(a.sessionId, n, a.runtime.spec().argv(), a.runtime.spec().workingDir());
            synchronized (a) {
                a.commandId = started.record().id();
                a.startedAt = clock.instant();
                a.failures = 0;
                a.status = "starting";
                a.detail = null;
            }
        } catch (RuntimeException e) {
            synchronized (a) {
                a.status = "exited";
                a.detail = "could not start: " + e.getMessage();
                a.startedAt = clock.instant();
            }
            LOG.log(System.Logger.Level.WARNING, "agent of {0} did not start: {1}", a.sessionId, e.getMessage());
        }
    }

    private void schedule(Agent a, Duration after) {
        if (!a.gone && !timer.isShutdown()) {
            timer.schedule(() -> tick(a), after.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void tick(Agent a) {
        if (a.gone) {
            return;
        }
        try {
            Duration next = check(a);
            if (next != null) { // null: a restart is scheduled, which looks again itself
                schedule(a, next);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "agent check of {0} failed: {1}", a.sessionId, e.toString());
            schedule(a, policy.pingInterval());
        }
    }

    /** One look at an agent; returns when to look next. */
    private Duration check(Agent a) {
        if (a.commandId == null) {
            return policy.pingInterval();
        }
        CommandInfo c = commands.get(a.sessionId, a.commandId);
        if (c.state() != CommandState.RUNNING) {
            Integer code = c.exit() == null ? null : c.exit().code();
            String why = c.exit() == null ? "its process is gone (" + c.state().name().toLowerCase(java.util.Locale.ROOT) + ")"
                    : code != null ? "it exited with code " + code : "it was killed by signal " + c.exit().signal();
            boolean clean = code != null && code == 0;
            return ended(a, why, policy.restart() == RuntimePolicy.Restart.ALWAYS
                    || (policy.restart() == RuntimePolicy.Restart.ON_FAILURE && !clean));
        }
        Path socket;
        synchronized (a) {
            socket = a.socket;
        }
        if (socket == null) {
            socket = sessions.forwardPort(a.sessionId, a.runtime.spec().port()).orElse(null);
            if (socket == null) {
                return policy.pingInterval();
            }
            synchronized (a) {
                a.socket = socket;
            }
        }
        boolean starting;
        synchronized (a) {
            starting = !a.healthyOnce;
        }
        AgentClient.Ping ping = client.ping(socket, starting ? Duration.ofMillis(500) : policy.pingInterval());
        Instant now = clock.instant();
        boolean wasUnhealthy;
        synchronized (a) {
            wasUnhealthy = "unhealthy".equals(a.status);
            if (ping.answered()) {
                a.healthyOnce = true;
                a.failures = 0;
                a.status = ping.busy() ? "busy" : "healthy";
                a.detail = null;
                a.lastHealthyAt = now;
                if (a.ready.isCompletedExceptionally()) {
                    a.ready = new CompletableFuture<>(); // unhealthy, not restarted (policy never), and back
                }
                a.ready.complete(null);
                return policy.pingInterval();
            }
            a.detail = ping.detail();
            if (!a.healthyOnce) {
                Duration since = Duration.between(a.startedAt, now);
                if (since.compareTo(policy.startTimeout()) < 0) {
                    return since.compareTo(EAGER_FOR) < 0 ? EAGER : STARTING;
                }
            } else if (++a.failures < policy.unhealthyAfter()) {
                return policy.pingInterval();
            }
            a.status = "unhealthy";
        }
        if (!wasUnhealthy) {
            LOG.log(System.Logger.Level.WARNING, "agent of {0} is unhealthy: {1}", a.sessionId, ping.detail());
        }
        return ended(a, "it stopped answering /ping: " + ping.detail(), policy.restart() != RuntimePolicy.Restart.NEVER);
    }

    /**
     * The agent exited or is unhealthy: restart it (after a backoff that grows with each restart)
     * or report it. Returns when to look next, or null when nothing is to be looked at (a restart
     * looks again itself).
     */
    private Duration ended(Agent a, String why, boolean restart) {
        String old;
        synchronized (a) {
            old = a.commandId;
            a.detail = why;
            if (!restart) {
                boolean running = "unhealthy".equals(a.status);
                a.status = running ? "unhealthy" : "exited";
                a.ready.completeExceptionally(new ApiException(ErrorCode.AGENT_UNAVAILABLE, "the agent is down: " + why));
                // an unhealthy agent may answer again and is still asked; an exited one is only reported
                return running ? policy.pingInterval() : null;
            }
            a.status = "restarting";
            a.restarts++;
            a.healthyOnce = false;
            if (a.ready.isDone()) {
                a.ready = new CompletableFuture<>();
            }
        }
        try {
            commands.signal(a.sessionId, old, 9); // an unhealthy agent may still run
        } catch (RuntimeException alreadyGone) {
            // it exited: nothing to stop
        }
        long backoffMs = Math.min(MAX_BACKOFF.toMillis(), 250L << Math.min(10, a.restarts - 1));
        LOG.log(System.Logger.Level.INFO, "restarting the agent of {0} in {1} ms: {2}", a.sessionId, backoffMs, why);
        timer.schedule(() -> {
            if (!a.gone) {
                spawn(a);
                schedule(a, Duration.ZERO);
            }
        }, backoffMs, TimeUnit.MILLISECONDS);
        return null;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
