package dev.berth.cli.commands;

import dev.berth.api.model.Budget;
import dev.berth.api.model.SessionBudget;
import dev.berth.api.model.UsageLine;
import dev.berth.api.model.UsageReport;
import dev.berth.cli.connect.Connected;
import dev.berth.cli.input.TimeConverter;
import dev.berth.cli.output.JsonOut;
import dev.berth.cli.output.Table;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code berth usage [--session ID] [--since TIME]} and {@code berth usage budget ID}: model calls through the gateway. */
@Command(name = "usage", description = {"Show what sessions' model calls through the gateway used: tokens and cost",
        "per session, agent and model, and the total (your sessions; all of them for operators, auditors, admins)."},
        subcommands = UsageCommand.SetBudget.class)
public final class UsageCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--session", paramLabel = "ID", description = "Only this session's calls.")
    String session;

    @Option(names = "--since", paramLabel = "TIME", converter = TimeConverter.class,
            description = "From this time: 2026-12-01T10:00:00Z, or a time ago such as 1h or 7d (default: ever).")
    Instant since;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() {
        UsageReport r = Connected.of(spec).client().usage(session, since);
        if (json) {
            JsonOut.print(System.out, r);
            return 0;
        }
        Table t = new Table("SESSION", "AGENT", "PROVIDER", "MODEL", "CALLS", "INPUT", "OUTPUT", "CACHE-READ", "CACHE-WRITE",
                "COST-USD");
        for (UsageLine l : r.lines()) {
            row(t, l.session(), l.agent(), l.provider(), l.model(), l);
        }
        row(t, "TOTAL", "", "", "", r.total());
        t.print(System.out);
        for (SessionBudget b : r.budgets()) {
            System.out.println(describe(b));
        }
        return 0;
    }

    private static void row(Table t, String session, String agent, String provider, String model, UsageLine l) {
        t.row(session, agent, provider, model, l.calls(), l.inputTokens(), l.outputTokens(), l.cacheReadTokens(),
                l.cacheWriteTokens(), l.costUsd().toPlainString());
    }

    static String describe(SessionBudget b) {
        String limits = (b.tokens() == null ? "" : b.tokens() + " tokens")
                + (b.tokens() != null && b.usd() != null ? ", " : "")
                + (b.usd() == null ? "" : "$" + b.usd().toPlainString());
        return "budget of " + b.session() + ": " + (limits.isEmpty() ? "none" : limits) + "; spent " + b.spentTokens()
                + " tokens, $" + b.spentUsd().toPlainString() + (b.exhausted() ? " (EXHAUSTED: model calls are refused)" : "");
    }

    @Command(name = "budget", description = {"Show or set what session ID's model calls may spend in all.",
            "Once spent, further calls are refused (budget_exhausted); a call under way finishes. --clear removes it."})
    static final class SetBudget implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ID", description = "The session.")
        String id;

        @Option(names = "--tokens", paramLabel = "N", description = "At most N tokens of every kind together.")
        Long tokens;

        @Option(names = "--usd", paramLabel = "X", description = "At most X US dollars, e.g. 2.50.")
        BigDecimal usd;

        @Option(names = "--clear", description = "Remove the session's budget.")
        boolean clear;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            var client = Connected.of(spec).client();
            if (clear && (tokens != null || usd != null)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--clear takes no --tokens or --usd");
            }
            SessionBudget b = clear || tokens != null || usd != null
                    ? client.setBudget(id, clear ? new Budget(null, null) : new Budget(tokens, usd)) : client.budget(id);
            if (json) {
                JsonOut.print(System.out, b);
            } else {
                System.out.println(describe(b));
            }
            return 0;
        }
    }
}
