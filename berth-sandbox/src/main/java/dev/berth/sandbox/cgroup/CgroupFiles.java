package dev.berth.sandbox.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The small file operations both cgroup versions share. */
final class CgroupFiles {
    private CgroupFiles() {}

    /** This process's cgroup path for a v1 controller, or for v2 when {@code controller} is empty. */
    static String ownPath(String controller) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            String[] parts = line.split(":", 3);
            if (parts.length < 3) {
                continue;
            }
            boolean match = controller.isEmpty()
                    ? parts[0].equals("0") && parts[1].isEmpty()
                    : List.of(parts[1].split(",")).contains(controller);
            if (match) {
                return parts[2];
            }
        }
        return "/";
    }

    static void write(Path file, String value) throws IOException {
        Files.writeString(file, value);
    }

    static List<Long> pids(Path dir) throws IOException {
        List<Long> pids = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(dir.resolve("cgroup.procs"))) {
                if (!line.isBlank()) {
                    pids.add(Long.parseLong(line.strip()));
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        }
        return pids;
    }

    /** Names of the groups directly under {@code parent}; none when it does not exist. */
    static List<String> children(Path parent) throws IOException {
        if (!Files.isDirectory(parent)) {
            return List.of();
        }
        try (var entries = Files.list(parent)) {
            return entries.filter(Files::isDirectory).map(p -> p.getFileName().toString()).toList();
        }
    }

    /** Removes the sandboxes' parent group once its last sandbox is gone, so none pile up on the host. */
    static void removeIfEmpty(Path parent) {
        try {
            Files.deleteIfExists(parent);
        } catch (IOException stillUsed) {
            // another sandbox (or a concurrent create) still uses it
        }
    }

    /** A check of a cgroup file. */
    @FunctionalInterface
    interface Check {
        boolean holds() throws IOException;
    }

    /** Polls {@code check} (the kernel offers no wait for it here) for up to 5 s. */
    static void await(Check check, String what) throws IOException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!check.holds()) {
            if (System.nanoTime() > deadline) {
                throw new IOException("timed out waiting for " + what);
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + what, e);
            }
        }
    }

    /** Kills what is left in {@code dir} and removes it, waiting (bounded) for the kernel to empty it. */
    static void killAndRemove(Path dir) throws IOException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (Files.isDirectory(dir)) {
            for (long pid : pids(dir)) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            try {
                Files.deleteIfExists(dir);
                return;
            } catch (java.nio.file.FileSystemException e) {
                // EBUSY while dying processes leave the group: try again shortly
                if (System.nanoTime() > deadline) {
                    throw new IOException("cgroup " + dir + " did not empty: " + e.getMessage(), e);
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while removing " + dir, ie);
                }
            }
        }
    }
}
