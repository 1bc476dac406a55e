package dev.berth.cli.output;

import java.util.Locale;

/** Human sizes both ways: {@code 512m}, {@code 2g}, {@code 1.5GiB}. */
public final class Sizes {
    private Sizes() {}

    public static long parse(String s) {
        String t = s.strip().toLowerCase(Locale.ROOT).replace("ib", "").replace("b", "");
        long mult = 1;
        char last = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
        switch (last) {
            case 'k' -> mult = 1L << 10;
            case 'm' -> mult = 1L << 20;
            case 'g' -> mult = 1L << 30;
            case 't' -> mult = 1L << 40;
            default -> {
                return Long.parseLong(t);
            }
        }
        return Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * mult);
    }

    public static String format(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return (v == Math.rint(v) ? String.format(Locale.ROOT, "%d", (long) v) : String.format(Locale.ROOT, "%.1f", v))
                + units[u];
    }
}
