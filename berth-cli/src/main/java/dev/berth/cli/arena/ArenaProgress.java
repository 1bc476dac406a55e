package dev.berth.cli.arena;

import dev.berth.api.Json;
import dev.berth.api.model.ArenaAgentInfo;
import dev.berth.api.model.ArenaInfo;
import dev.berth.cli.output.Table;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An arena's progress as it comes: on a terminal, one line per agent redrawn in place (iteration,
 * state, tokens, cost, time); elsewhere (a pipe, a CI log), a line each time an agent moves on.
 */
public final class ArenaProgress {
    private final PrintStream out;
    private final boolean redraw;
    private final Map<String, String> lastShown = new HashMap<>();
    private int drawn;

    public ArenaProgress(PrintStream out, boolean redraw) {
        this.out = out;
        this.redraw = redraw;
    }

    /** Reads the follow stream to its end; the arena as it was last. */
    public ArenaInfo follow(InputStream stream, ArenaInfo first) throws IOException {
        ArenaInfo last = first;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                var node = Json.mapper().readTree(line);
                if (!node.has("arena")) {
                    continue;
                }
                last = Json.mapper().treeToValue(node.get("arena"), ArenaInfo.class);
                show(last);
            }
        }
        return last;
    }

    void show(ArenaInfo a) {
        List<ArenaAgentInfo> agents = a.agents();
        if (redraw) {
            StringBuilder sb = new StringBuilder();
            if (drawn > 0) {
                sb.append("\033[").append(drawn).append('A');
            }
            for (ArenaAgentInfo g : agents) {
                sb.append("\r\033[2K").append(line(a, g)).append('\n');
            }
            drawn = agents.size();
            out.print(sb);
            out.flush();
            return;
        }
        for (ArenaAgentInfo g : agents) {
            String key = g.state() + "/" + g.iterations();
            if (!key.equals(lastShown.put(g.name(), key))) {
                out.println(line(a, g));
            }
        }
        out.flush();
    }

    static String line(ArenaInfo a, ArenaAgentInfo g) {
        return String.format(Locale.ROOT, "%-14s %-12s iteration %d/%d  %,d tokens  $%s  %s", g.name(), g.state(),
                g.iterations(), a.maxIterations(), g.inputTokens() + g.outputTokens(), money(g), seconds(g.wallMs()));
    }

    /** The results, one row per agent, the winner named below. */
    public static void table(PrintStream out, ArenaInfo a) {
        Table t = new Table("AGENT", "HARNESS", "MODEL", "RESULT", "ITERATIONS", "WALL", "MODEL CALLS", "IN TOKENS",
                "OUT TOKENS", "COST", "LINES +/-", "DETAIL");
        for (ArenaAgentInfo g : a.agents()) {
            t.row(g.name(), g.harness(), g.model() == null ? "default" : g.model(), g.state(), g.iterations(),
                    seconds(g.wallMs()), g.modelCalls(), g.inputTokens(), g.outputTokens(), "$" + money(g),
                    g.linesAdded() == null ? "?" : "+" + g.linesAdded() + "/-" + g.linesRemoved(), g.detail());
        }
        t.print(out);
        out.println(a.winner() == null ? "no agent passed (" + a.state() + ")" : "winner: " + a.winner());
    }

    private static String money(ArenaAgentInfo g) {
        return g.costUsd().signum() == 0 ? "0" : g.costUsd().toPlainString();
    }

    static String seconds(long ms) {
        return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
    }
}
