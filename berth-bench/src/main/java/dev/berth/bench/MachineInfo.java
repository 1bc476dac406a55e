package dev.berth.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** Where the numbers were taken: they mean little without the machine. */
public record MachineInfo(String date, int cpus, String cpuModel, String memTotal, String os, String kernel,
                          String jdk, String ssh) {

    public static MachineInfo probe(Path java) {
        return new MachineInfo(
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                Runtime.getRuntime().availableProcessors(),
                firstValue(Path.of("/proc/cpuinfo"), "model name"),
                firstValue(Path.of("/proc/meminfo"), "MemTotal"),
                osRelease(),
                read(Path.of("/proc/sys/kernel/osrelease")),
                Processes.output(List.of(java.toString(), "-version")).lines().skip(1).findFirst().orElse("?"),
                Processes.output(List.of("ssh", "-V")));
    }

    public List<String> bullets() {
        return List.of(
                "date: " + date,
                "CPUs (nproc): " + cpus + " × " + cpuModel,
                "memory: " + memTotal,
                "OS: " + os + ", kernel " + kernel,
                "JDK: " + jdk,
                "OpenSSH: " + ssh);
    }

    private static String osRelease() {
        try {
            return Files.readAllLines(Path.of("/etc/os-release")).stream()
                    .filter(l -> l.startsWith("PRETTY_NAME="))
                    .map(l -> l.substring("PRETTY_NAME=".length()).replace("\"", ""))
                    .findFirst().orElse("?");
        } catch (IOException e) {
            return "?";
        }
    }

    private static String firstValue(Path file, String key) {
        try {
            return Files.readAllLines(file).stream()
                    .filter(l -> l.startsWith(key))
                    .map(l -> l.substring(l.indexOf(':') + 1).strip())
                    .findFirst().orElse("?");
        } catch (IOException e) {
            return "?";
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            return "?";
        }
    }
}
