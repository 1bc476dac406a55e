package dev.berth.server.arena;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.ArenaAgentInfo;
import dev.berth.api.model.ArenaInfo;
import dev.berth.api.model.ArenaRequest;
import dev.berth.api.model.Budget;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.Role;
import dev.berth.api.model.SessionState;
import dev.berth.runtimes.harness.Harness;
import dev.berth.runtimes.harness.Harnesses;
import dev.berth.server.audit.AuditSink;
import dev.berth.server.gateway.model.ModelUsage;
import dev.berth.server.harness.CommandRunner;
import dev.berth.server.harness.TurnRunner;
import dev.berth.server.identity.Principal;
import dev.berth.server.runtimes.RuntimeService;
import dev.berth.server.sessions.SessionService;
import dev.berth.server.store.RuntimeRecord;
import dev.berth.server.store.SessionRecord;
import dev.berth.server.store.Store;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Arenas: N agents (harness runtimes, each with its model) on one task, each in its own fork of one
 * workspace, run side by side on the server (an arena outlives the client that started it), each
 * checked by the same direct command after each turn, metered by the model gateway, ranked at the end.
 */
public final class ArenaService implements AutoCloseable {
    private static final Pattern AGENT_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,23}");
    private static final int MAX_AGENTS = 16;
    private static final int DEFAULT_ITERATIONS = 5;
    private static final long DEFAULT_TIMEOUT = 1800;
    private static final int MAX_TASK = 64 << 10;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Store store;
    private final SessionService sessions;
    private final ModelUsage usage;
    private final Clock clock;
    private final ArenaServices services;
    private final Map<String, ArenaRun> running = new ConcurrentHashMap<>();
    /** Each running agent by its session: what the gateway's meter reports to. */
    private final Map<String, AgentRun> bySession = new ConcurrentHashMap<>();

    public ArenaService(Store store, SessionService sessions, CommandRunner runner, TurnRunner turns, ModelUsage usage,
            AuditSink audit, Clock clock) {
        this.store = store;
        this.sessions = sessions;
        this.usage = usage;
        this.clock = clock;
        this.services = new ArenaServices(sessions, runner, turns, new WorkspaceDiff(runner), usage, audit);
        usage.listen(call -> {
            AgentRun a = bySession.get(call.sessionId());
            if (a != null) {
                a.metered(call);
            }
        });
        interruptLeftovers();
    }

    /** Arenas that were running when the server last stopped cannot go on: they say so. */
    private void interruptLeftovers() {
        for (ArenaInfo a : store.arenas()) {
            if ("running".equals(a.state())) {
                List<ArenaAgentInfo> agents = a.agents().stream().map(g -> g.over() ? g
                        : new ArenaAgentInfo(g.name(), g.harness(), g.model(), g.runtime(), g.session(), "interrupted",
                                false, g.iterations(), g.wallMs(), g.modelCalls(), g.inputTokens(), g.outputTokens(),
                                g.costUsd(), g.linesAdded(), g.linesRemoved(), "the server stopped while it ran"))
                        .toList();
                store.putArena(new ArenaInfo(a.id(), a.owner(), "interrupted", a.createdAt(), clock.instant(), a.task(),
                        a.check(), a.from(), a.maxIterations(), a.timeoutSeconds(), a.budgetUsd(), agents,
                        Ranking.winner(agents)));
            }
        }
    }

    /** Checks the request, forks the source once per agent, and sets the agents going. */
    public ArenaInfo start(ArenaRequest r, Principal p) {
        ArenaSpec spec = spec(r);
        SessionRecord source = sessions.find(spec.from()).filter(p::mayUse).orElseThrow(() ->
                new ApiException(ErrorCode.SESSION_NOT_FOUND, "no session " + spec.from()));
        if (source.state() == SessionState.EXPIRED) {
            throw new ApiException(ErrorCode.SESSION_EXPIRED, "session " + spec.from() + " has expired");
        }
        String id = "ar-" + HexFormat.of().formatHex(bytes(4));
        record Planned(ArenaRequest.ArenaAgent agent, RuntimeRecord runtime, Harness harness, String model) {}
        List<Planned> planned = new ArrayList<>();
        for (ArenaRequest.ArenaAgent a : r.agents()) {
            RuntimeRecord rt = harnessRuntime(a.harness(), p);
            String model = blank(a.model()) ? rt.spec().harness().model() : a.model().strip();
            planned.add(new Planned(a, rt, Harnesses.named(rt.spec().harness().name()), model));
        }
        List<CreateSessionRequest> copies = planned.stream().map(pl -> new CreateSessionRequest(id + "-" + pl.agent().name(),
                null, null, null, null, null, pl.runtime().ref())).toList();
        Instant created = clock.instant(); // its time counts the forks
        sessions.fork(source.id(), copies, p.user(), p.role().wire());
        ArenaRun run = new ArenaRun(id, p.user(), created, spec, services, clock, this::persist);
        for (Planned pl : planned) {
            String session = id + "-" + pl.agent().name();
            if (spec.budgetUsd() != null) {
                usage.setBudget(session, new Budget(null, spec.budgetUsd()));
            }
            AgentRun a = new AgentRun(run, pl.agent().name(), pl.harness(), pl.runtime().spec().harness(), pl.model(),
                    pl.runtime().ref(), session, clock);
            run.add(a);
            bySession.put(session, a);
        }
        running.put(id, run);
        persist(run);
        run.start();
        return run.info();
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static ArenaSpec spec(ArenaRequest r) {
        if (r == null || blank(r.task())) {
            throw new ApiException(ErrorCode.MISSING_FIELD, "task is required (what every agent is asked)");
        }
        if (r.task().length() > MAX_TASK) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "task is over " + (MAX_TASK >> 10) + " KiB");
        }
        if (blank(r.check())) {
            throw new ApiException(ErrorCode.MISSING_FIELD, "check is required (the command whose exit 0 means done)");
        }
        if (r.task().indexOf('\0') >= 0 || r.check().indexOf('\0') >= 0) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "task and check cannot hold a NUL byte");
        }
        if (blank(r.from())) {
            throw new ApiException(ErrorCode.MISSING_FIELD, "from is required (the session every agent starts from)");
        }
        if (r.agents() == null || r.agents().isEmpty()) {
            throw new ApiException(ErrorCode.MISSING_FIELD, "agents: name at least one");
        }
        if (r.agents().size() > MAX_AGENTS) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "agents: at most " + MAX_AGENTS);
        }
        Set<String> names = new HashSet<>();
        for (ArenaRequest.ArenaAgent a : r.agents()) {
            if (a == null || a.name() == null || !AGENT_NAME.matcher(a.name()).matches()) {
                throw new ApiException(ErrorCode.INVALID_FIELD, "agent names must match " + AGENT_NAME.pattern() + ": "
                        + (a == null ? null : a.name()));
            }
            if (!names.add(a.name())) {
                throw new ApiException(ErrorCode.INVALID_FIELD, "agent " + a.name() + " is named twice");
            }
            if (blank(a.harness())) {
                throw new ApiException(ErrorCode.MISSING_FIELD, "agent " + a.name() + ": harness is required");
            }
        }
        int k = r.maxIterations() == null ? DEFAULT_ITERATIONS : r.maxIterations();
        if (k < 1 || k > 100) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "maxIterations must be 1 to 100");
        }
        long t = r.timeoutSeconds() == null ? DEFAULT_TIMEOUT : r.timeoutSeconds();
        if (t < 1 || t > Duration.ofDays(7).toSeconds()) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "timeoutSeconds must be 1 s to 7 days");
        }
        if (r.budgetUsd() != null && r.budgetUsd().signum() <= 0) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "budgetUsd must be more than 0");
        }
        return new ArenaSpec(r.task(), r.check().strip(), r.from().strip(), k, t, r.budgetUsd());
    }

    /**
     * A runtime deployed with {@code --harness} named {@code ref} (NAME or NAME@VERSION); or else the
     * newest such runtime of the harness named {@code ref} that the caller may run.
     */
    private RuntimeRecord harnessRuntime(String ref, Principal p) {
        String name = ref.strip();
        Optional<RuntimeRecord> named = store.runtimes().stream()
                .filter(r -> r.name().equals(RuntimeRecord.nameOf(name)) || r.ref().equals(name)).filter(r -> p.mayRun(r.name()))
                .filter(r -> name.contains("@") ? r.ref().equals(name) : true)
                .max(Comparator.comparingInt(RuntimeRecord::version));
        if (named.isPresent()) {
            if (named.get().spec().harness() == null) {
                throw new ApiException(ErrorCode.RUNTIME_NOT_HARNESS, "runtime " + named.get().ref()
                        + " was not deployed with --harness");
            }
            return named.get();
        }
        return store.runtimes().stream().filter(r -> r.spec().harness() != null && r.spec().harness().name().equals(name))
                .filter(r -> p.mayRun(r.name()))
                .max(Comparator.comparing(RuntimeRecord::createdAt).thenComparingInt(RuntimeRecord::version))
                .orElseThrow(() -> new ApiException(ErrorCode.RUNTIME_NOT_FOUND, "no runtime named " + name
                        + " and none of harness " + name + ": deploy one with berth runtime deploy NAME --harness " + name));
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    public List<ArenaInfo> list(Principal p) {
        return store.arenas().stream().map(a -> current(a.id()).orElse(a)).filter(a -> visible(a, p)).toList();
    }

    public ArenaInfo get(String id, Principal p) {
        return current(id).or(() -> store.arena(id)).filter(a -> visible(a, p))
                .orElseThrow(() -> new ApiException(ErrorCode.ARENA_NOT_FOUND, "no arena " + id));
    }

    private Optional<ArenaInfo> current(String id) {
        return Optional.ofNullable(running.get(id)).map(ArenaRun::info);
    }

    private static boolean visible(ArenaInfo a, Principal p) {
        return p.role().allSessions() || p.role() == Role.AUDITOR || a.owner().equals(p.user());
    }

    private static boolean mayChange(ArenaInfo a, Principal p) {
        return p.role().allSessions() || p.role() == Role.USER && a.owner().equals(p.user());
    }

    /** Stops the agents still going; they end {@code stopped}. */
    public ArenaInfo stop(String id, Principal p) {
        ArenaInfo a = get(id, p);
        if (!mayChange(a, p)) {
            throw new ApiException(ErrorCode.FORBIDDEN, "only its owner, operators and admins may stop arena " + id);
        }
        ArenaRun run = running.get(id);
        if (run == null || a.over()) {
            throw new ApiException(ErrorCode.ARENA_OVER, "arena " + id + " is over (" + a.state() + ")");
        }
        run.cancel("stopped");
        return run.info();
    }

    /**
     * Calls {@code each} with the arena as it is now, then after every change (at most every
     * {@code every}, and at least every {@code heartbeat}), until it is over.
     */
    public void follow(String id, Principal p, Duration heartbeat, Consumer<ArenaInfo> each) throws InterruptedException {
        ArenaInfo first = get(id, p);
        ArenaRun run = running.get(id);
        if (run == null || first.over()) {
            each.accept(first);
            return;
        }
        long seen = -1;
        while (true) {
            long v = run.await(seen, heartbeat);
            ArenaInfo now = run.info();
            each.accept(now);
            if (now.over()) {
                return;
            }
            seen = v;
            Thread.sleep(100); // not synchronisation: at most ten progress lines a second
        }
    }

    /** An agent's changes against the source, as a patch. */
    public String patch(String id, String agent, Principal p) {
        ArenaInfo a = get(id, p);
        ArenaAgentInfo g = a.agents().stream().filter(x -> x.name().equals(agent)).findFirst()
                .orElseThrow(() -> new ApiException(ErrorCode.INVALID_FIELD, "arena " + id + " has no agent " + agent
                        + " (it has " + String.join(", ", a.agents().stream().map(ArenaAgentInfo::name).toList()) + ")"));
        if (!g.over()) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "agent " + agent + " is still running");
        }
        SessionRecord s = sessions.find(g.session()).orElseThrow(() -> new ApiException(ErrorCode.SESSION_NOT_FOUND,
                "the session of agent " + agent + " (" + g.session() + ") is gone"));
        if (s.state() == SessionState.EXPIRED) {
            throw new ApiException(ErrorCode.SESSION_EXPIRED, "the session of agent " + agent + " has expired");
        }
        return services.diff().patch(g.session(), p.user());
    }

    private void persist(ArenaRun run) {
        ArenaInfo info = run.info();
        store.putArena(info);
        if (info.over()) {
            running.remove(run.id());
            run.agents().forEach(a -> bySession.remove(a.session()));
        }
    }

    /** Agents still running are stopped and recorded as interrupted. */
    @Override
    public void close() throws InterruptedException {
        for (ArenaRun run : running.values()) {
            run.cancel("interrupted");
        }
        for (ArenaRun run : List.copyOf(running.values())) {
            run.join(Duration.ofSeconds(10));
        }
    }
}
