package dev.berth.sandbox.namespaces;

import dev.berth.sandbox.cgroup.Cgroups;
import dev.berth.sandbox.spi.SandboxSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Removes what a sandbox leaves on the host once it is stopped or found dead: processes, cgroups, socket. */
final class SandboxRemains {
    private SandboxRemains() {}

    static void clear(SandboxSpec spec, Cgroups cgroups) {
        for (String pidFile : List.of("shim.pid", "init.pid")) {
            try {
                long pid = readPid(spec.stateDir().resolve(pidFile));
                // only ever kill a process that still is a shim: pids are reused
                ProcessHandle.of(pid)
                        .filter(h -> h.info().command().map(c -> c.contains("berth-shim")).orElse(false))
                        .ifPresent(ProcessHandle::destroyForcibly);
            } catch (IOException | NumberFormatException ignored) {
                // nothing recorded: nothing to kill
            }
        }
        destroyGroups(cgroups, spec.id());
        for (String file : List.of(NamespacesSandbox.SOCKET, "shim.pid", "init.pid", "gateway.tag")) {
            try {
                Files.deleteIfExists(spec.stateDir().resolve(file));
            } catch (IOException ignored) {
                // harmless leftovers: the next start replaces them
            }
        }
        deleteQuietly(spec.stateDir().resolve("root"));
    }

    static long readPid(Path file) throws IOException {
        return Long.parseLong(Files.readString(file).strip());
    }

    /** Removes a sandbox's cgroups; a failure is logged, not raised (clean-up must go on). */
    static void destroyGroups(Cgroups cgroups, String id) {
        try {
            cgroups.destroy(id);
        } catch (IOException e) {
            System.getLogger(SandboxRemains.class.getName())
                    .log(System.Logger.Level.WARNING, "cannot remove cgroups of " + id + ": " + e.getMessage());
        }
    }

    private static void deleteQuietly(Path emptyDir) {
        try {
            Files.deleteIfExists(emptyDir);
        } catch (IOException ignored) {
            // a mount point left by a crashed init is removed on the next clean-up
        }
    }
}
