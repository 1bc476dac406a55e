package dev.berth.runtimes.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The host's processor as npm's platform packages name it: harnesses whose CLI is a native binary ship
 * one package per platform, and the host's own node runs a harness, so the host's platform is the one.
 */
final class NativeArch {
    private NativeArch() {}

    static String npmArch() {
        String a = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return switch (a) {
            case "amd64", "x86_64" -> "x64";
            case "aarch64", "arm64" -> "arm64";
            default -> a;
        };
    }

    /** Whether the processor has AVX2 (some packages ship a "baseline" build for those that do not). */
    static boolean avx2() {
        try {
            return Pattern.compile("(^|\\s)avx2(\\s|$)", Pattern.MULTILINE)
                    .matcher(Files.readString(Path.of("/proc/cpuinfo"))).find();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
