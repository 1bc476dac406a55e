package dev.berth.sandbox.workspace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads the host's mount table ({@code /proc/self/mountinfo}). */
final class Mounts {
    private Mounts() {}

    static boolean isMountPoint(Path dir) {
        Path real;
        try {
            real = dir.toRealPath();
        } catch (IOException e) {
            return false; // missing: nothing is mounted there
        }
        String target = real.toString();
        try (var lines = Files.lines(Path.of("/proc/self/mountinfo"))) {
            return lines.map(l -> l.split(" ", 6)).filter(f -> f.length > 4).anyMatch(f -> unescape(f[4]).equals(target));
        } catch (IOException e) {
            return false;
        }
    }

    /** mountinfo writes space, tab, newline and backslash as three-digit octal escapes. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
