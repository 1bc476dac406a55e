package dev.berth.server.arena;

import dev.berth.api.model.ArenaAgentInfo;
import dev.berth.api.model.CommandRequest;
import dev.berth.runtimes.harness.Harness;
import dev.berth.runtimes.harness.HarnessSpec;
import dev.berth.runtimes.harness.Turn;
import dev.berth.sandbox.spi.CommandExit;
import dev.berth.server.audit.AuditEvent;
import dev.berth.server.harness.CommandRunner;
import dev.berth.server.harness.TurnRunner;
import dev.berth.server.store.ModelCallRecord;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One agent of an arena: turn, check, turn, check… in its own fork of the workspace until the check
 * passes or it runs out of iterations, time or budget, or its harness dies. Its counters are read by
 * other threads (progress, followers) while it runs; they change under its lock.
 */
final class AgentRun implements Runnable {
    private static final int PROMPT_TAIL = 3000;
    private static final Pattern CONTROL = Pattern.compile("[\\x00-\\x08\\x0B-\\x1F\\x7F]");

    private final ArenaRun arena;
    private final String name;
    private final Harness harness;
    private final HarnessSpec spec;
    private final String model;
    private final String runtime;
    private final String session;
    private final Clock clock;

    private String state = "starting";
    private boolean passed;
    private int iterations;
    private Instant startedAt;
    private Instant endedAt;
    private long modelCalls;
    private long inputTokens;
    private long outputTokens;
    private BigDecimal cost = BigDecimal.ZERO;
    private Integer linesAdded;
    private Integer linesRemoved;
    private String detail;

    AgentRun(ArenaRun arena, String name, Harness harness, HarnessSpec spec, String model, String runtime, String session,
            Clock clock) {
        this.arena = arena;
        this.name = name;
        this.harness = harness;
        this.spec = spec;
        this.model = model;
        this.runtime = runtime;
        this.session = session;
        this.clock = clock;
    }

    String name() {
        return name;
    }

    String session() {
        return session;
    }

    @Override
    public void run() {
        try {
            loop();
        } catch (RuntimeException e) {
            end("crashed", "Berth could not go on with it: " + e.getMessage());
        } finally {
            if (!over()) { // an Error on the way: the arena must still end
                end("crashed", "Berth could not go on with it");
            }
            synchronized (this) {
                endedAt = clock.instant();
            }
            arena.services().diff().measure(this);
            arena.services().stopQuietly(session);
            arena.agentDone(this);
        }
    }

    private void loop() {
        ArenaServices s = arena.services();
        WorkspaceDiff.Baseline base = s.diff().baseline(session, arena.owner());
        synchronized (this) {
            startedAt = clock.instant();
            if (!base.ok()) {
                detail = base.why();
            }
        }
        Instant deadline = startedAt.plusSeconds(arena.request().timeoutSeconds());
        String prompt = arena.request().task();
        for (int k = 1; k <= arena.request().maxIterations(); k++) {
            if (arena.cancelled()) {
                end(arena.cancelReason(), null);
                return;
            }
            if (overBudget()) {
                end("over_budget", "its budget of $" + arena.request().budgetUsd().toPlainString() + " is spent");
                return;
            }
            long left = Duration.between(clock.instant(), deadline).toSeconds();
            if (left <= 0) {
                end("timed_out", "its " + arena.request().timeoutSeconds() + " s are up");
                return;
            }
            set("turn", k);
            Turn turn = new Turn(prompt, model, k, spec.command());
            TurnRunner.Result t = s.turns().run(session, harness, turn, arena.owner(), context(), left,
                    step -> arena.changed(), arena::cancelled);
            if (arena.cancelled()) {
                end(arena.cancelReason(), null);
                return;
            }
            CommandExit x = t.command().exit();
            if (x != null && x.timedOut()) {
                end("timed_out", "its " + arena.request().timeoutSeconds() + " s ran out in turn " + k);
                return;
            }
            if (!t.command().succeeded()) {
                if (overBudget()) {
                    end("over_budget", "its budget of $" + arena.request().budgetUsd().toPlainString()
                            + " was spent in turn " + k);
                } else {
                    end("crashed", crash(x, t.command().tail()));
                }
                return;
            }
            left = Duration.between(clock.instant(), deadline).toSeconds();
            if (left <= 0) {
                end("timed_out", "its " + arena.request().timeoutSeconds() + " s ran out in turn " + k);
                return;
            }
            set("checking", k);
            CommandRunner.Result check = check(k, left);
            if (arena.cancelled()) {
                end(arena.cancelReason(), null);
                return;
            }
            if (check.succeeded()) {
                synchronized (this) {
                    passed = true;
                }
                end("passed", null);
                return;
            }
            if (check.exit() != null && check.exit().timedOut()) {
                end("timed_out", "its " + arena.request().timeoutSeconds() + " s ran out checking turn " + k);
                return;
            }
            prompt = retryPrompt(k + 1, check);
        }
        end("failed", "the check still failed after " + arena.request().maxIterations() + " iterations");
    }

    private CommandRunner.Result check(int k, long timeoutSeconds) {
        ArenaServices s = arena.services();
        CommandRequest req = new CommandRequest(arena.request().check(), null, null, null, null, null, timeoutSeconds, true);
        Map<String, Object> d = context();
        d.put("iteration", k);
        d.put("command", arena.request().check());
        CommandRunner.Result r = s.commands().run(session, req, arena.owner(), cid -> s.audit().record(AuditEvent.draft(
                arena.owner(), "arena", null, session, "command/" + cid, "arena.check", "ok", d)), line -> { }, 0,
                arena::cancelled);
        Map<String, Object> done = context();
        done.put("iteration", k);
        done.put("passed", r.succeeded());
        if (r.exit() != null) {
            done.put("exitCode", r.exit().code());
        }
        s.audit().record(AuditEvent.draft(arena.owner(), "arena", null, session, "command/" + r.commandId(),
                "arena.checked", r.succeeded() ? "passed" : "failed", done));
        return r;
    }

    private String retryPrompt(int next, CommandRunner.Result check) {
        // a check may print anything: control bytes (a NUL cannot even be passed in argv or env) are dropped
        String tail = CONTROL.matcher(check.tail()).replaceAll("");
        if (tail.length() > PROMPT_TAIL) {
            tail = "…" + tail.substring(tail.length() - PROMPT_TAIL);
        }
        String how = check.exit() == null ? "did not finish" : check.exit().signal() != 0
                ? "was killed by signal " + check.exit().signal() : "exited with " + check.exit().code();
        return arena.request().task() + "\n\n---\nIteration " + next + " of " + arena.request().maxIterations()
                + ": the check `" + arena.request().check() + "` still fails (it " + how + "). The end of its output:\n\n"
                + tail.strip() + "\n\nChange the workspace so that the check passes.\n";
    }

    private static String crash(CommandExit x, String tail) {
        String t = tail.strip();
        if (t.length() > 500) {
            t = "…" + t.substring(t.length() - 500);
        }
        String how = x == null ? "its session went away under it" : x.signal() != 0 ? "killed by signal " + x.signal()
                : "its harness exited with " + x.code();
        return t.isEmpty() ? how : how + ": " + t;
    }

    private boolean overBudget() {
        BigDecimal limit = arena.request().budgetUsd();
        if (limit == null) {
            return false;
        }
        synchronized (this) {
            if (cost.compareTo(limit) >= 0) {
                return true;
            }
        }
        return arena.services().usage().exhausted(session).isPresent();
    }

    private Map<String, Object> context() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("arena", arena.id());
        d.put("agent", name);
        return d;
    }

    /** A model call of its session, as the gateway metered it. */
    void metered(ModelCallRecord call) {
        synchronized (this) {
            modelCalls++;
            inputTokens += call.inputTokens() + call.cacheReadTokens() + call.cacheWriteTokens();
            outputTokens += call.outputTokens();
            cost = cost.add(call.costUsd());
        }
        arena.changed();
    }

    synchronized void lines(Integer added, Integer removed, String why) {
        linesAdded = added;
        linesRemoved = removed;
        if (why != null && detail == null) {
            detail = why;
        }
    }

    private void set(String newState, int iteration) {
        synchronized (this) {
            state = newState;
            iterations = iteration;
        }
        arena.changed();
    }

    private void end(String finalState, String why) {
        synchronized (this) {
            state = finalState;
            if (why != null) {
                detail = why;
            }
        }
        arena.changed();
    }

    /** After the server stopped while it ran. */
    synchronized boolean over() {
        return info().over();
    }

    synchronized ArenaAgentInfo info() {
        Instant end = endedAt != null ? endedAt : clock.instant();
        long wall = startedAt == null ? 0 : Duration.between(startedAt, end).toMillis();
        return new ArenaAgentInfo(name, spec.name(), model, runtime, session, state, passed, iterations, wall, modelCalls,
                inputTokens, outputTokens, cost, linesAdded, linesRemoved, detail);
    }
}
