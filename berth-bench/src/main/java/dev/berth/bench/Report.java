package dev.berth.bench;

import java.util.List;
import java.util.Locale;

/** The Markdown the bench prints: headings, paragraphs and tables, nothing clever. */
public final class Report {
    private final StringBuilder md = new StringBuilder();

    public Report heading(int level, String text) {
        md.append("#".repeat(level)).append(' ').append(text).append("\n\n");
        return this;
    }

    public Report paragraph(String text) {
        md.append(text).append("\n\n");
        return this;
    }

    public Report bullets(List<String> items) {
        items.forEach(i -> md.append("- ").append(i).append('\n'));
        md.append('\n');
        return this;
    }

    public Report table(List<String> header, List<List<String>> rows) {
        row(header);
        md.append('|').append(" --- |".repeat(header.size())).append('\n');
        rows.forEach(this::row);
        md.append('\n');
        return this;
    }

    /** A row of latency statistics in milliseconds: label, p50, p90, min, max, n. */
    public static List<String> latencyRow(String label, Stats s) {
        return List.of(label, ms(s.p50()), ms(s.p90()), ms(s.min()), ms(s.max()), Integer.toString(s.n()));
    }

    public static final List<String> LATENCY_HEADER = List.of("", "p50 ms", "p90 ms", "min ms", "max ms", "runs");

    public static String ms(double v) {
        return String.format(Locale.ROOT, v < 10 ? "%.2f" : "%.1f", v);
    }

    public static String ratio(double v) {
        return String.format(Locale.ROOT, v < 10 ? "%.2f×" : "%.1f×", v); // 9.97× vs 10.4× matters for a 10× target
    }

    public static String num(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    public String markdown() {
        return md.toString();
    }

    private void row(List<String> cells) {
        md.append("| ").append(String.join(" | ", cells)).append(" |\n");
    }
}
