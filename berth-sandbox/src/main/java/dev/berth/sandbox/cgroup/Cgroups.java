package dev.berth.sandbox.cgroup;

import dev.berth.sandbox.spi.ResourceLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Resource limits for sandboxes through the host's cgroups: v2 where the unified hierarchy has the
 * controllers, v1 otherwise (hybrid hosts such as this project's CI keep memory/pids/cpu on v1).
 * Sandbox groups are made under the server's own cgroup, so they stay inside whatever limits the
 * server itself was given.
 */
public interface Cgroups {

    /** Creates the sandbox's cgroup(s) with these limits; returns the directories a process must join. */
    List<Path> create(String name, ResourceLimits limits) throws IOException;

    /** The directories of an existing sandbox group (for adoption), whether or not they exist. */
    List<Path> paths(String name);

    /** Process ids in the sandbox's group. */
    List<Long> pids(String name) throws IOException;

    /** Names of the sandbox groups that exist under this server's parent group. */
    java.util.Set<String> names() throws IOException;

    /**
     * Freezes ({@code true}) or thaws the sandbox's processes, returning once the kernel says
     * they are all frozen (or thawed).
     */
    void freeze(String name, boolean frozen) throws IOException;

    /** Kills anything left in the group and removes it. */
    void destroy(String name) throws IOException;

    /** "v1" or "v2". */
    String version();

    /** Detects the host's cgroup layout; empty (with the reason) when neither version has what Berth needs. */
    static Optional<Cgroups> detect(String parentName, StringBuilder whyNot) {
        Path root = Path.of("/sys/fs/cgroup");
        try {
            Path v2Controllers = root.resolve("cgroup.controllers");
            if (Files.exists(v2Controllers)) {
                String controllers = Files.readString(v2Controllers);
                if (controllers.contains("memory") && controllers.contains("pids")) {
                    return Optional.of(CgroupV2.forCurrentProcess(root, parentName));
                }
            }
            if (Files.isDirectory(root.resolve("memory")) && Files.isDirectory(root.resolve("pids"))) {
                return Optional.of(CgroupV1.forCurrentProcess(root, parentName));
            }
            whyNot.append("no cgroup hierarchy with the memory and pids controllers under ").append(root);
        } catch (IOException e) {
            whyNot.append("cannot read the cgroup layout: ").append(e.getMessage());
        }
        return Optional.empty();
    }
}
