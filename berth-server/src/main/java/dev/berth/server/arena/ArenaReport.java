package dev.berth.server.arena;

import dev.berth.api.model.ArenaAgentInfo;
import dev.berth.api.model.ArenaInfo;
import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * An arena's results as one self-contained HTML page: a table and bar charts (inline SVG, no script,
 * nothing fetched), so it can be mailed, attached to a ticket or opened offline. Every text from the
 * request or an agent is escaped: a task may hold any markup.
 */
public final class ArenaReport {
    private static final int BAR_W = 360;

    private ArenaReport() {}

    public static String html(ArenaInfo a) {
        StringBuilder h = new StringBuilder(8192);
        h.append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>Berth arena ").append(esc(a.id())).append("</title><style>")
                .append("body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#1d2330;max-width:72em}")
                .append("table{border-collapse:collapse;margin:1em 0}th,td{padding:.35em .7em;border-bottom:1px solid #dde;")
                .append("text-align:right}th:first-child,td:first-child,td.l{text-align:left}")
                .append("tr.win td{background:#eaf7ea;font-weight:600}.pass{color:#187a2f}.fail{color:#b3261e}")
                .append("pre{background:#f5f6f8;padding:.8em;white-space:pre-wrap;max-height:18em;overflow:auto}")
                .append(".charts{display:flex;flex-wrap:wrap;gap:2em}svg text{font:12px system-ui,sans-serif}")
                .append("</style></head><body>\n");
        h.append("<h1>Arena <code>").append(esc(a.id())).append("</code></h1>\n<p>")
                .append(esc(a.state())).append(" · from session <code>").append(esc(a.from())).append("</code> · check <code>")
                .append(esc(a.check())).append("</code> · up to ").append(a.maxIterations()).append(" iterations, ")
                .append(a.timeoutSeconds()).append(" s").append(a.budgetUsd() == null ? "" : ", $" + a.budgetUsd().toPlainString())
                .append(" per agent · started ").append(esc(String.valueOf(a.createdAt()))).append(" by ")
                .append(esc(a.owner())).append("</p>\n");
        h.append(a.winner() == null ? "<p class=\"fail\">No agent passed.</p>\n"
                : "<p class=\"pass\">Winner: <strong>" + esc(a.winner()) + "</strong></p>\n");
        table(h, a);
        h.append("<h2>Side by side</h2><div class=\"charts\">\n");
        List<ArenaAgentInfo> agents = a.agents();
        chart(h, "Iterations", agents, x -> x.iterations(), x -> Integer.toString(x.iterations()));
        chart(h, "Wall time (s)", agents, x -> x.wallMs() / 1000.0, x -> seconds(x.wallMs()));
        chart(h, "Cost (USD)", agents, x -> x.costUsd().doubleValue(), x -> "$" + x.costUsd().toPlainString());
        chart(h, "Tokens (in + out)", agents, x -> x.inputTokens() + x.outputTokens(),
                x -> Long.toString(x.inputTokens() + x.outputTokens()));
        h.append("</div>\n<h2>Task</h2><pre>").append(esc(a.task())).append("</pre>\n</body></html>\n");
        return h.toString();
    }

    private static void table(StringBuilder h, ArenaInfo a) {
        h.append("<table><thead><tr><th>agent</th><th>harness</th><th>model</th><th>result</th><th>iterations</th>")
                .append("<th>wall time</th><th>model calls</th><th>input tokens</th><th>output tokens</th><th>cost</th>")
                .append("<th>lines +/−</th><th class=\"l\">detail</th></tr></thead><tbody>\n");
        for (ArenaAgentInfo g : a.agents()) {
            h.append(g.name().equals(a.winner()) ? "<tr class=\"win\">" : "<tr>")
                    .append("<td>").append(esc(g.name())).append("</td><td class=\"l\">").append(esc(g.harness()))
                    .append("</td><td class=\"l\">").append(esc(g.model() == null ? "default" : g.model()))
                    .append("</td><td class=\"l ").append(g.passed() ? "pass" : "fail").append("\">").append(esc(g.state()))
                    .append("</td><td>").append(g.iterations()).append("</td><td>").append(seconds(g.wallMs()))
                    .append(" s</td><td>").append(g.modelCalls()).append("</td><td>").append(g.inputTokens())
                    .append("</td><td>").append(g.outputTokens()).append("</td><td>$").append(money(g.costUsd()))
                    .append("</td><td>").append(g.linesAdded() == null ? "?" : "+" + g.linesAdded() + " −" + g.linesRemoved())
                    .append("</td><td class=\"l\">").append(esc(g.detail() == null ? "" : g.detail())).append("</td></tr>\n");
        }
        h.append("</tbody></table>\n");
    }

    private static void chart(StringBuilder h, String title, List<ArenaAgentInfo> agents,
            ToDoubleFunction<ArenaAgentInfo> value, java.util.function.Function<ArenaAgentInfo, String> label) {
        double max = agents.stream().mapToDouble(value).max().orElse(0);
        int rowH = 22;
        int height = 28 + rowH * agents.size();
        h.append("<figure><figcaption>").append(esc(title)).append("</figcaption><svg role=\"img\" width=\"")
                .append(BAR_W + 200).append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(BAR_W + 200)
                .append(' ').append(height).append("\">");
        int y = 8;
        for (ArenaAgentInfo g : agents) {
            double v = value.applyAsDouble(g);
            int w = max <= 0 ? 0 : (int) Math.round(BAR_W * v / max);
            String fill = g.passed() ? "#3a8f4d" : "#b9bfcc";
            h.append("<text x=\"0\" y=\"").append(y + 14).append("\">").append(esc(g.name())).append("</text>")
                    .append("<rect x=\"110\" y=\"").append(y + 2).append("\" width=\"").append(Math.max(w, 1))
                    .append("\" height=\"").append(rowH - 6).append("\" fill=\"").append(fill).append("\"><title>")
                    .append(esc(g.name() + ": " + label.apply(g))).append("</title></rect>")
                    .append("<text x=\"").append(116 + w).append("\" y=\"").append(y + 14).append("\">")
                    .append(esc(label.apply(g))).append("</text>");
            y += rowH;
        }
        h.append("</svg></figure>\n");
    }

    private static String seconds(long ms) {
        return String.format(Locale.ROOT, "%.1f", ms / 1000.0);
    }

    private static String money(BigDecimal usd) {
        return usd.signum() == 0 ? "0" : usd.toPlainString();
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
