package dev.berth.sandbox.namespaces;

import dev.berth.sandbox.cgroup.Cgroups;
import dev.berth.sandbox.namespaces.routed.DeniedListener;
import dev.berth.sandbox.namespaces.routed.RoutedNetworks;
import dev.berth.sandbox.spi.IdRange;
import dev.berth.sandbox.spi.RootFs;
import dev.berth.sandbox.spi.RunningCommand;
import dev.berth.sandbox.spi.Sandbox;
import dev.berth.sandbox.spi.SandboxDriver;
import dev.berth.sandbox.spi.SandboxException;
import dev.berth.sandbox.spi.SandboxNetwork;
import dev.berth.sandbox.spi.SandboxSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The embedded default driver: Linux namespaces (user, mount, PID, network, UTS, IPC, cgroup) and
 * cgroup limits, supervised per sandbox by the native {@code berth-shim} so that sandboxes outlive
 * the server process (docs/shim-protocol.md).
 */
public final class NamespacesDriver implements SandboxDriver {
    private final NamespacesConfig config;
    private final Optional<Cgroups> cgroups;
    private final String unavailable;
    private final RoutedNetworks routed;
    private Path shim;

    /** Denied attempts of routed sandboxes are only logged. */
    public NamespacesDriver(NamespacesConfig config) {
        this(config, d -> System.getLogger(NamespacesDriver.class.getName()).log(System.Logger.Level.INFO,
                "routed sandbox " + d.sessionId() + " denied " + d.protocol() + " " + d.address() + ":" + d.port()));
    }

    /** {@code denied} hears of every destination a routed sandbox was refused (docs/network.md). */
    public NamespacesDriver(NamespacesConfig config, DeniedListener denied) {
        this.config = config;
        this.routed = new RoutedNetworks(config.routed(), denied);
        StringBuilder why = new StringBuilder();
        this.cgroups = Cgroups.detect(config.cgroupParent(), why);
        this.unavailable = probe(why);
    }

    private static String probe(StringBuilder cgroupProblem) {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return "the namespaces driver needs Linux";
        }
        if (!"root".equals(System.getProperty("user.name")) && !isRoot()) {
            return "the namespaces driver needs root (uid 0): it maps a uid range into each sandbox's user"
                    + " namespace and creates cgroups; run `berth serve` as root";
        }
        if (!Files.exists(Path.of("/proc/self/ns/user"))) {
            return "this kernel has no user namespaces (CONFIG_USER_NS)";
        }
        if (!cgroupProblem.isEmpty()) {
            return cgroupProblem.toString();
        }
        return null;
    }

    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (IOException ignored) {
            // not Linux-like: treated as not root
        }
        return false;
    }

    @Override
    public String name() {
        return "namespaces";
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.ofNullable(unavailable);
    }

    @Override
    public IdRange imageIds() {
        return new IdRange(config.uidBase(), config.uidCount());
    }

    @Override
    public Sandbox start(SandboxSpec spec) {
        requireAvailable();
        Cgroups cg = cgroups.orElseThrow();
        try {
            Files.createDirectories(spec.stateDir());
            Files.createDirectories(spec.workspace());
            List<Path> groups = cg.create(spec.id(), spec.limits());
            List<String> cmd = new ArrayList<>(List.of(shimPath().toString(), "start",
                    "--state", spec.stateDir().toString(),
                    "--hostname", spec.id(),
                    "--workspace", spec.workspace().toString(),
                    "--uid-base", Long.toString(config.uidBase()),
                    "--uid-count", Long.toString(config.uidCount())));
            for (Path g : groups) {
                cmd.add("--cgroup");
                cmd.add(g.toString());
            }
            RootFs root = spec.root();
            if (root.image() != null) {
                cmd.addAll(List.of("--lower", root.image().toString(), "--upper", root.writable().toString()));
            }
            for (String ro : root.hostSystem() ? config.readOnlyBinds() : List.<String>of()) {
                if (Files.exists(Path.of(ro), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    cmd.add("--ro-bind");
                    cmd.add(ro);
                }
            }
            Path tagFile = gatewayTagFile(spec, cmd);
            ProcessBuilder start = new ProcessBuilder(cmd).redirectErrorStream(true);
            start.environment().clear(); // the sandbox init is the shim's clone: none of the server's env goes in
            Process p = start.start();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            }
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            if (tagFile != null) {
                Files.deleteIfExists(tagFile); // the shim read it before it answered (and SandboxRemains removes a leftover)
            }
            if (p.exitValue() != 0 || !out.startsWith("ready ")) {
                SandboxRemains.destroyGroups(cg, spec.id());
                String reason = out.startsWith("error ") ? out.substring(6) : out;
                throw new SandboxException(SandboxException.Kind.FAILED, "sandbox " + spec.id() + " did not start: " + reason);
            }
            String[] pids = out.split("\\s+");
            NamespacesSandbox sandbox = new NamespacesSandbox(spec, cg, routed, Long.parseLong(pids[1]), Long.parseLong(pids[2]));
            attachRouted(sandbox, spec, Long.parseLong(pids[2]), true);
            return sandbox;
        } catch (IOException e) {
            SandboxRemains.destroyGroups(cg, spec.id());
            throw new SandboxException(SandboxException.Kind.FAILED, "sandbox " + spec.id() + " did not start: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException(SandboxException.Kind.FAILED, "interrupted while starting sandbox " + spec.id());
        }
    }

    /**
     * Adds the gateway flags, if the sandbox has a gateway. The session's tag goes to the shim in a
     * file of the state directory, which the sandbox cannot see; not in argv, which it can (the
     * init's /proc/1/cmdline).
     */
    private static Path gatewayTagFile(SandboxSpec spec, List<String> cmd) throws IOException {
        SandboxNetwork net = spec.network();
        if (net.gatewaySocket() == null) {
            return null;
        }
        Path file = spec.stateDir().resolve("gateway.tag");
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, net.gatewayTag(), StandardCharsets.US_ASCII);
        cmd.addAll(List.of("--gateway", net.gatewaySocket().toAbsolutePath().toString(), "--gateway-tag-file", file.toString()));
        return file;
    }

    @Override
    public Optional<Sandbox> adopt(SandboxSpec spec) {
        if (unavailable != null) {
            return Optional.empty();
        }
        Path socket = spec.stateDir().resolve(NamespacesSandbox.SOCKET);
        if (!Files.exists(socket) || !new ShimClient(socket).ping()) {
            return Optional.empty();
        }
        try {
            long shimPid = SandboxRemains.readPid(spec.stateDir().resolve("shim.pid"));
            long initPid = SandboxRemains.readPid(spec.stateDir().resolve("init.pid"));
            NamespacesSandbox sandbox = new NamespacesSandbox(spec, cgroups.orElseThrow(), routed, shimPid, initPid);
            attachRouted(sandbox, spec, initPid, false);
            return Optional.of(sandbox);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        } catch (SandboxException e) {
            // its rules could not be restored: it is not let run unfiltered
            return Optional.empty();
        }
    }

    /** Routed networking, when the spec asks for it; a sandbox that cannot have it is destroyed. */
    private void attachRouted(NamespacesSandbox sandbox, SandboxSpec spec, long initPid, boolean fresh) {
        if (spec.network().routed() == null) {
            if (!fresh) {
                NamespacesSandbox.detachRouted(routed, spec); // its policy no longer asks for one
            }
            return;
        }
        try {
            routed.attach(spec.id(), spec.stateDir(), initPid, spec.network().routed(), fresh);
        } catch (IOException | RuntimeException e) {
            sandbox.destroy();
            throw new SandboxException(SandboxException.Kind.FAILED,
                    "sandbox " + spec.id() + " cannot have routed networking: " + e.getMessage(), e);
        }
    }

    @Override
    public RunningCommand command(SandboxSpec spec, String commandId) {
        Path dir = NamespacesSandbox.commandDir(spec, commandId);
        if (!commandId.matches("[A-Za-z0-9_-]{1,64}") || !Files.isDirectory(dir)) {
            throw new SandboxException(SandboxException.Kind.COMMAND_NOT_FOUND, "no command " + commandId + " in " + spec.id());
        }
        return new ShimCommand(commandId, dir, new ShimClient(spec.stateDir().resolve(NamespacesSandbox.SOCKET)));
    }

    @Override
    public void cleanUp(SandboxSpec spec) {
        cgroups.ifPresent(cg -> SandboxRemains.clear(spec, cg));
        NamespacesSandbox.detachRouted(routed, spec);
    }

    @Override
    public Set<String> sandboxIds() {
        if (cgroups.isEmpty()) {
            return Set.of();
        }
        try {
            return cgroups.get().names(); // every sandbox has its groups from before its shim starts
        } catch (IOException e) {
            throw new SandboxException(SandboxException.Kind.FAILED, "cannot list sandbox cgroups: " + e.getMessage(), e);
        }
    }

    private void requireAvailable() {
        if (unavailable != null) {
            throw new SandboxException(SandboxException.Kind.UNAVAILABLE, unavailable);
        }
    }

    private synchronized Path shimPath() {
        if (shim == null) {
            shim = ShimBinary.install(config.binDir());
        }
        return shim;
    }

    /** Which cgroup version limits the sandboxes (for status reports). */
    public String cgroupVersion() {
        return cgroups.map(Cgroups::version).orElse("none");
    }
}
