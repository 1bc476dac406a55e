package dev.berth.sandbox.namespaces;

import dev.berth.sandbox.namespaces.routed.RoutedConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * Settings of the namespaces driver.
 *
 * @param binDir where the native supervisor is installed
 * @param cgroupParent name of the group, under the server's own cgroup, that holds the sandboxes
 * @param uidBase host uid that is root inside a sandbox (a range of {@code uidCount} ids is mapped)
 * @param readOnlyBinds host paths visible read-only in every sandbox
 * @param routed where and how sandboxes with routed networking get their veth (docs/network.md)
 */
public record NamespacesConfig(Path binDir, String cgroupParent, long uidBase, long uidCount, List<String> readOnlyBinds,
        RoutedConfig routed) {
    /** Debian's system directories; top-level symlinks (merged /usr) are re-created as symlinks. */
    public static final List<String> DEFAULT_READ_ONLY = List.of("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64",
            "/libx32", "/etc", "/opt");
    public static final long DEFAULT_UID_BASE = 200_000;
    public static final long DEFAULT_UID_COUNT = 65_536;

    public NamespacesConfig {
        readOnlyBinds = List.copyOf(readOnlyBinds);
        java.util.Objects.requireNonNull(routed, "routed");
    }

    public NamespacesConfig(Path binDir, String cgroupParent, long uidBase, long uidCount, List<String> readOnlyBinds) {
        this(binDir, cgroupParent, uidBase, uidCount, readOnlyBinds, RoutedConfig.defaults());
    }

    public NamespacesConfig withRouted(RoutedConfig newRouted) {
        return new NamespacesConfig(binDir, cgroupParent, uidBase, uidCount, readOnlyBinds, newRouted);
    }

    public static NamespacesConfig defaults(Path binDir, String cgroupParent) {
        return new NamespacesConfig(binDir, cgroupParent, DEFAULT_UID_BASE, DEFAULT_UID_COUNT, DEFAULT_READ_ONLY);
    }
}
