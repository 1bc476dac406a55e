package dev.berth.sandbox.cgroup;

import dev.berth.sandbox.spi.ResourceLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** cgroup v1: one group per controller (memory, pids, cpu, and freezer for pausing). */
final class CgroupV1 implements Cgroups {
    private static final List<String> CONTROLLERS = List.of("memory", "pids", "cpu", "freezer");
    private static final long CPU_PERIOD_US = 100_000;

    private final List<Path> parents; // same order as CONTROLLERS; null where the controller is absent

    private CgroupV1(List<Path> parents) {
        this.parents = parents;
    }

    static CgroupV1 forCurrentProcess(Path root, String parentName) throws IOException {
        List<Path> parents = new ArrayList<>();
        for (String c : CONTROLLERS) {
            Path mount = root.resolve(c);
            parents.add(Files.isDirectory(mount)
                    ? mount.resolve(CgroupFiles.ownPath(c).substring(1)).resolve(parentName)
                    : null);
        }
        return new CgroupV1(parents);
    }

    @Override
    public List<Path> create(String name, ResourceLimits limits) throws IOException {
        List<Path> dirs = paths(name);
        for (Path dir : dirs) {
            Files.createDirectories(dir);
        }
        Path memory = dir("memory", name);
        CgroupFiles.write(memory.resolve("memory.limit_in_bytes"), Long.toString(limits.memoryBytes()));
        Path memsw = memory.resolve("memory.memsw.limit_in_bytes");
        if (Files.exists(memsw)) {
            CgroupFiles.write(memsw, Long.toString(limits.memoryBytes())); // no escape into swap
        }
        CgroupFiles.write(dir("pids", name).resolve("pids.max"), Integer.toString(limits.pids()));
        Path cpu = dir("cpu", name);
        if (cpu != null) {
            CgroupFiles.write(cpu.resolve("cpu.cfs_period_us"), Long.toString(CPU_PERIOD_US));
            long quota = limits.cpuMillis() == 0 ? -1 : limits.cpuMillis() * CPU_PERIOD_US / 1000;
            CgroupFiles.write(cpu.resolve("cpu.cfs_quota_us"), Long.toString(quota));
        }
        return dirs;
    }

    private Path dir(String controller, String name) {
        Path parent = parents.get(CONTROLLERS.indexOf(controller));
        return parent == null ? null : parent.resolve(name);
    }

    @Override
    public List<Path> paths(String name) {
        List<Path> dirs = new ArrayList<>();
        for (String c : CONTROLLERS) {
            Path d = dir(c, name);
            if (d != null) {
                dirs.add(d);
            }
        }
        return dirs;
    }

    @Override
    public List<Long> pids(String name) throws IOException {
        return CgroupFiles.pids(dir("pids", name));
    }

    @Override
    public java.util.Set<String> names() throws IOException {
        java.util.Set<String> names = new java.util.TreeSet<>();
        for (Path parent : parents) {
            if (parent != null) {
                names.addAll(CgroupFiles.children(parent));
            }
        }
        return names;
    }

    @Override
    public void freeze(String name, boolean frozen) throws IOException {
        Path freezer = dir("freezer", name);
        if (freezer == null || !Files.isDirectory(freezer)) {
            throw new IOException("sandbox " + name + " has no freezer cgroup (the host has none, or the sandbox"
                    + " was started by an older server: stop and resume it)");
        }
        String want = frozen ? "FROZEN" : "THAWED";
        Path state = freezer.resolve("freezer.state");
        CgroupFiles.write(state, want);
        // FREEZING until every task stopped; the write itself may return before that
        CgroupFiles.await(() -> Files.readString(state).strip().equals(want), "freezer.state of " + name + " to be " + want);
    }

    @Override
    public void destroy(String name) throws IOException {
        Path freezer = dir("freezer", name);
        if (freezer != null && Files.exists(freezer.resolve("freezer.state"))) {
            CgroupFiles.write(freezer.resolve("freezer.state"), "THAWED"); // frozen tasks do not die of SIGKILL
        }
        for (Path d : paths(name)) {
            CgroupFiles.killAndRemove(d);
            CgroupFiles.removeIfEmpty(d.getParent());
        }
    }

    @Override
    public String version() {
        return "v1";
    }
}
