package dev.berth.sandbox.cgroup;

import dev.berth.sandbox.spi.ResourceLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * cgroup v2: one group per sandbox under {@code <server's cgroup>/<parentName>}. v2 forbids
 * processes in a group whose children have controllers enabled, so when the server's own group is
 * not the root, the server first moves itself into a {@code server} leaf beside the sandboxes.
 */
final class CgroupV2 implements Cgroups {
    private static final String CONTROLLERS = "+memory +pids +cpu";
    private static final long CPU_PERIOD_US = 100_000;

    private final Path own;
    private final Path parent;

    private CgroupV2(Path own, Path parent) {
        this.own = own;
        this.parent = parent;
    }

    static CgroupV2 forCurrentProcess(Path root, String parentName) throws IOException {
        Path own = root.resolve(CgroupFiles.ownPath("").substring(1));
        return new CgroupV2(own, own.resolve(parentName));
    }

    @Override
    public List<Path> create(String name, ResourceLimits limits) throws IOException {
        if (!Files.isDirectory(parent)) {
            prepareParent();
        }
        Path dir = parent.resolve(name);
        Files.createDirectories(dir);
        CgroupFiles.write(dir.resolve("memory.max"), Long.toString(limits.memoryBytes()));
        Path swap = dir.resolve("memory.swap.max");
        if (Files.exists(swap)) {
            CgroupFiles.write(swap, "0");
        }
        CgroupFiles.write(dir.resolve("pids.max"), Integer.toString(limits.pids()));
        String quota = limits.cpuMillis() == 0 ? "max" : Long.toString(limits.cpuMillis() * CPU_PERIOD_US / 1000);
        CgroupFiles.write(dir.resolve("cpu.max"), quota + " " + CPU_PERIOD_US);
        return List.of(dir);
    }

    private void prepareParent() throws IOException {
        try {
            CgroupFiles.write(own.resolve("cgroup.subtree_control"), CONTROLLERS);
        } catch (IOException busy) {
            // our group holds processes: move them into a leaf, then enable the controllers
            Path leaf = own.resolve("server");
            Files.createDirectories(leaf);
            for (long pid : CgroupFiles.pids(own)) {
                try {
                    CgroupFiles.write(leaf.resolve("cgroup.procs"), Long.toString(pid));
                } catch (IOException gone) {
                    // the process exited meanwhile
                }
            }
            CgroupFiles.write(own.resolve("cgroup.subtree_control"), CONTROLLERS);
        }
        Files.createDirectories(parent);
        CgroupFiles.write(parent.resolve("cgroup.subtree_control"), CONTROLLERS);
    }

    @Override
    public List<Path> paths(String name) {
        return List.of(parent.resolve(name));
    }

    @Override
    public List<Long> pids(String name) throws IOException {
        return CgroupFiles.pids(parent.resolve(name));
    }

    @Override
    public java.util.Set<String> names() throws IOException {
        return new java.util.TreeSet<>(CgroupFiles.children(parent));
    }

    @Override
    public void freeze(String name, boolean frozen) throws IOException {
        Path dir = parent.resolve(name);
        CgroupFiles.write(dir.resolve("cgroup.freeze"), frozen ? "1" : "0");
        String want = "frozen " + (frozen ? 1 : 0);
        CgroupFiles.await(() -> Files.readAllLines(dir.resolve("cgroup.events")).contains(want),
                "cgroup.events of " + name + " to say " + want);
    }

    @Override
    public void destroy(String name) throws IOException {
        Path dir = parent.resolve(name);
        if (Files.exists(dir.resolve("cgroup.kill"))) {
            CgroupFiles.write(dir.resolve("cgroup.kill"), "1");
        }
        CgroupFiles.killAndRemove(dir);
        CgroupFiles.removeIfEmpty(parent);
    }

    @Override
    public String version() {
        return "v2";
    }
}
