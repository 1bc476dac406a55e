package dev.berth.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Host memory of one process from /proc. RSS counts every resident page, shared libc pages
 * included; PSS divides shared pages among their sharers, so PSS sums over processes without
 * double counting (the fairer "what does one more session cost" figure).
 */
public record ProcMemory(long rssKiB, long pssKiB) {

    public static ProcMemory of(long pid) throws IOException {
        return new ProcMemory(
                field(Path.of("/proc", Long.toString(pid), "status"), "VmRSS:"),
                field(Path.of("/proc", Long.toString(pid), "smaps_rollup"), "Pss:"));
    }

    public ProcMemory plus(ProcMemory o) {
        return new ProcMemory(rssKiB + o.rssKiB, pssKiB + o.pssKiB);
    }

    /** The value in kB of the first line starting with {@code key}, e.g. {@code VmRSS:   1234 kB}. */
    static long field(Path file, String key) throws IOException {
        List<String> lines = Files.readAllLines(file);
        for (String line : lines) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.substring(key.length()).strip().split("\\s+")[0]);
            }
        }
        throw new IOException(key + " not in " + file);
    }
}
