package dev.berth.server.gateway.model;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.Budget;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.SessionBudget;
import dev.berth.api.model.UsageLine;
import dev.berth.api.model.UsageReport;
import dev.berth.server.store.BudgetRecord;
import dev.berth.server.store.ModelCallRecord;
import dev.berth.server.store.SessionRecord;
import dev.berth.server.store.Store;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * What sessions' model calls spent, and what they may: every call the gateway forwards is kept in
 * the store; each running session's total and budget are held in memory (loaded on its first call,
 * the budget kept in step by {@link #setBudget}), so a call's check touches no store, whose writer
 * may be committing. A session whose sandbox goes is {@link #forget forgotten}: a later session of
 * the same id starts from what the store says.
 */
public final class ModelUsage implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ModelUsage.class.getName());
    /** What a session has spent since {@code since}, when it was made (a later session of the same id starts anew). */
    private record Spent(Instant since, long tokens, BigDecimal usd) {
        Spent plus(ModelCallRecord c) {
            return new Spent(since, tokens + c.totalTokens(), usd.add(c.costUsd()));
        }
    }

    private final Store store;
    private final Clock clock;
    private final Map<String, Spent> spent = new ConcurrentHashMap<>();
    private final Map<String, Optional<BudgetRecord>> budgets = new ConcurrentHashMap<>();
    private final BlockingQueue<ModelCallRecord> unsaved = new LinkedBlockingQueue<>();
    private final Thread writer;
    private final List<Consumer<ModelCallRecord>> listeners = new CopyOnWriteArrayList<>();

    public ModelUsage(Store store, Clock clock) {
        this.store = store;
        this.clock = clock;
        writer = Thread.ofPlatform().daemon().name("model-usage-writer").start(this::write);
    }

    Instant now() {
        return clock.instant();
    }

    /** Why the session may make no more model calls, or empty if it may. */
    public Optional<String> exhausted(String sessionId) {
        Optional<BudgetRecord> b = budgets.computeIfAbsent(sessionId, store::budget);
        if (b.isEmpty()) {
            return Optional.empty();
        }
        return exhausted(b.get(), spent.computeIfAbsent(sessionId, id -> load(id, createdAt(id))));
    }

    /** Drops what is held of a session whose sandbox went (stopped, expired, deleted). */
    public void forget(String sessionId) {
        budgets.remove(sessionId);
        spent.remove(sessionId);
    }

    private static Optional<String> exhausted(BudgetRecord limit, Spent s) {
        String id = limit.sessionId();
        if (limit.tokens() != null && s.tokens() >= limit.tokens()) {
            return Optional.of("session " + id + " has used its budget of " + limit.tokens() + " tokens ("
                    + s.tokens() + " used)");
        }
        if (limit.usd() != null && s.usd().compareTo(limit.usd()) >= 0) {
            return Optional.of("session " + id + " has used its budget of $" + limit.usd().toPlainString()
                    + " ($" + PriceTable.tidy(s.usd()).toPlainString() + " spent)");
        }
        return Optional.empty();
    }

    /** Counts a finished call in its session's total, at once: the next call's budget check sees it. */
    public void count(ModelCallRecord call) {
        spent.compute(call.sessionId(), (id, s) -> (s == null ? load(id, createdAt(id)) : s).plus(call));
        listeners.forEach(l -> l.accept(call));
    }

    /**
     * Calls {@code l} with each call as it is counted (before it is stored): what an arena meters its
     * agents by while they run. It must be quick; it runs on the gateway's thread.
     */
    public void listen(Consumer<ModelCallRecord> l) {
        listeners.add(l);
    }

    /** Keeps a counted call in the store, soon: one writer stores what has come meanwhile in one transaction. */
    public void save(ModelCallRecord call) {
        unsaved.add(call);
    }

    private void write() {
        List<ModelCallRecord> batch = new ArrayList<>();
        boolean closing = false;
        while (!closing) {
            try {
                batch.add(unsaved.take());
            } catch (InterruptedException e) {
                closing = true; // store what is left, then stop
            }
            unsaved.drainTo(batch);
            if (!batch.isEmpty()) {
                try {
                    store.insertModelCalls(batch);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "cannot store " + batch.size() + " model calls", e);
                }
                batch.clear();
            }
        }
    }

    /** Stores what is still waiting; before the store closes. */
    @Override
    public void close() throws InterruptedException {
        writer.interrupt();
        writer.join();
    }

    private Spent spent(String sessionId) {
        Instant since = createdAt(sessionId);
        return spent.compute(sessionId, (id, s) -> s == null || !Objects.equals(s.since(), since) ? load(id, since) : s);
    }

    private Instant createdAt(String sessionId) {
        return store.session(sessionId).map(SessionRecord::createdAt).orElse(null);
    }

    private Spent load(String sessionId, Instant since) {
        Spent s = new Spent(since, 0, BigDecimal.ZERO);
        for (ModelCallRecord c : store.modelCalls(sessionId, since)) {
            s = s.plus(c);
        }
        return s;
    }

    /** Sets (or, with neither limit, removes) a session's budget. */
    public SessionBudget setBudget(String sessionId, Budget b) {
        if (b.tokens() != null && b.tokens() < 0) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "tokens must be 0 or more");
        }
        if (b.usd() != null && b.usd().signum() < 0) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "usd must be 0 or more");
        }
        BudgetRecord r = new BudgetRecord(sessionId, b.tokens(), b.usd());
        if (!store.putBudget(r)) {
            throw new ApiException(ErrorCode.SESSION_NOT_FOUND, "no session " + sessionId);
        }
        budgets.put(sessionId, store.budget(sessionId));
        return budgetOf(sessionId);
    }

    /** The session's budget and spending (limits null when it has none). */
    public SessionBudget budgetOf(String sessionId) {
        Optional<BudgetRecord> b = store.budget(sessionId);
        Spent s = spent(sessionId);
        return new SessionBudget(sessionId, b.map(BudgetRecord::tokens).orElse(null),
                b.map(BudgetRecord::usd).orElse(null), s.tokens(), PriceTable.tidy(s.usd()),
                b.flatMap(limit -> exhausted(limit, s)).isPresent());
    }

    /**
     * The calls {@code visible} lets through, of one session (null: all) since {@code since} (null:
     * ever), added up per session, agent, provider and model; with the budgets of the sessions shown.
     */
    public UsageReport report(String sessionId, Instant since, Predicate<ModelCallRecord> visible) {
        record Key(String session, String agent, String provider, String model) {}
        Comparator<String> nullsFirst = Comparator.nullsFirst(Comparator.naturalOrder());
        Comparator<Key> order = Comparator.comparing(Key::session, nullsFirst).thenComparing(Key::agent, nullsFirst)
                .thenComparing(Key::provider, nullsFirst).thenComparing(Key::model, nullsFirst);
        Map<Key, UsageLine> lines = new TreeMap<>(order);
        UsageLine total = new UsageLine(null, null, null, null, 0, 0, 0, 0, 0, BigDecimal.ZERO);
        Set<String> sessions = new LinkedHashSet<>();
        for (ModelCallRecord c : store.modelCalls(sessionId, since)) {
            if (!visible.test(c)) {
                continue;
            }
            Key k = new Key(c.sessionId(), c.agent(), c.provider(), c.model());
            lines.merge(k, line(k.session(), k.agent(), k.provider(), k.model(), c), ModelUsage::sum);
            total = sum(total, line(null, null, null, null, c));
            sessions.add(c.sessionId());
        }
        if (sessionId != null && sessions.isEmpty() && visible.test(probe(sessionId))) {
            sessions.add(sessionId);
        }
        List<SessionBudget> shown = new ArrayList<>();
        for (String s : sessions) {
            SessionBudget b = budgetOf(s);
            if (b.tokens() != null || b.usd() != null) {
                shown.add(b);
            }
        }
        List<UsageLine> out = lines.values().stream().map(ModelUsage::tidy).toList();
        return new UsageReport(since, out, tidy(total), shown);
    }

    /** A call of nobody's that stands for a session with no calls, to ask whether the caller may see it. */
    private static ModelCallRecord probe(String sessionId) {
        return new ModelCallRecord(Instant.EPOCH, sessionId, "", null, "", null, 0, 0, 0, 0, 0, BigDecimal.ZERO, 0);
    }

    private static UsageLine line(String session, String agent, String provider, String model, ModelCallRecord c) {
        return new UsageLine(session, agent, provider, model, 1, c.inputTokens(), c.outputTokens(), c.cacheReadTokens(),
                c.cacheWriteTokens(), c.costUsd());
    }

    private static UsageLine sum(UsageLine a, UsageLine b) {
        return new UsageLine(a.session(), a.agent(), a.provider(), a.model(), a.calls() + b.calls(),
                a.inputTokens() + b.inputTokens(), a.outputTokens() + b.outputTokens(),
                a.cacheReadTokens() + b.cacheReadTokens(), a.cacheWriteTokens() + b.cacheWriteTokens(),
                a.costUsd().add(b.costUsd()));
    }

    private static UsageLine tidy(UsageLine l) {
        BigDecimal cost = PriceTable.tidy(l.costUsd());
        return Objects.equals(cost, l.costUsd()) ? l : new UsageLine(l.session(), l.agent(), l.provider(), l.model(),
                l.calls(), l.inputTokens(), l.outputTokens(), l.cacheReadTokens(), l.cacheWriteTokens(), cost);
    }
}
