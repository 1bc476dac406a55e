package dev.berth.sandbox.namespaces;

import dev.berth.sandbox.cgroup.Cgroups;
import dev.berth.sandbox.namespaces.routed.RoutedNetworks;
import dev.berth.sandbox.spi.CommandSpec;
import dev.berth.sandbox.spi.RunningCommand;
import dev.berth.sandbox.spi.Sandbox;
import dev.berth.sandbox.spi.SandboxException;
import dev.berth.sandbox.spi.SandboxSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** A sandbox run by a {@code berth-shim}; every call goes through its control socket. */
final class NamespacesSandbox implements Sandbox {
    static final String SOCKET = "ctl.sock";

    private final SandboxSpec spec;
    private final Cgroups cgroups;
    private final RoutedNetworks routed;
    private final ShimClient shim;
    private final long shimPid;
    private final long initPid;

    NamespacesSandbox(SandboxSpec spec, Cgroups cgroups, RoutedNetworks routed, long shimPid, long initPid) {
        this.spec = spec;
        this.cgroups = cgroups;
        this.routed = routed;
        this.shim = new ShimClient(spec.stateDir().resolve(SOCKET));
        this.shimPid = shimPid;
        this.initPid = initPid;
    }

    @Override
    public String id() {
        return spec.id();
    }

    @Override
    public RunningCommand spawn(CommandSpec c) {
        ShimMessage.Builder m = ShimMessage.of('S').add('i', c.id());
        c.argv().forEach(a -> m.add('a', a));
        // sorted so that the environment a command sees does not depend on map order
        new TreeMap<>(c.env()).forEach((k, v) -> m.add('e', k + "=" + v));
        m.add('c', c.cwd());
        if (c.stdin() != null) {
            m.add('n', c.stdin());
        }
        m.add('t', c.timeout() == null ? 0 : c.timeout().toMillis());
        m.add('r', c.retainBytes());
        if (c.terminal() != null) {
            m.add('y', c.terminal().rows()).add('x', c.terminal().cols());
        }
        shim.call(m.build());
        return new ShimCommand(c.id(), commandDir(spec, c.id()), shim);
    }

    static Path commandDir(SandboxSpec spec, String commandId) {
        return spec.stateDir().resolve("cmd").resolve(commandId);
    }

    @Override
    public Path forwardPort(int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not from 1 to 65535");
        }
        ShimMessage reply = shim.call(ShimMessage.of('F').add('o', port).build());
        return spec.stateDir().resolve(reply.text('f', "port-" + port + ".sock"));
    }

    @Override
    public boolean isAlive() {
        return shim.ping();
    }

    @Override
    public long memoryUsageBytes() {
        long total = rssBytes(shimPid);
        try {
            for (long pid : cgroups.pids(spec.id())) {
                total += rssBytes(pid);
            }
        } catch (IOException e) {
            total += rssBytes(initPid);
        }
        return total;
    }

    private static long rssBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // the process is gone
        }
        return 0;
    }

    @Override
    public Paused pause() {
        try {
            cgroups.freeze(spec.id(), true);
        } catch (IOException e) {
            thaw(); // some may have frozen already
            throw new SandboxException(SandboxException.Kind.UNAVAILABLE, "cannot pause sandbox " + spec.id() + ": "
                    + e.getMessage(), e);
        }
        return this::thaw;
    }

    private void thaw() {
        try {
            cgroups.freeze(spec.id(), false);
        } catch (IOException e) {
            throw new SandboxException(SandboxException.Kind.FAILED, "cannot thaw sandbox " + spec.id() + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void destroy() {
        try {
            shim.call(ShimMessage.of('D').build());
        } catch (SandboxException e) {
            // the supervisor is already gone: clean up by pid and cgroup below
        }
        SandboxRemains.clear(spec, cgroups);
        detachRouted(routed, spec);
    }

    /** Its veth and nft rules, if it had routed networking; a failure is logged (clean-up must go on). */
    static void detachRouted(RoutedNetworks routed, SandboxSpec spec) {
        try {
            routed.detach(spec.id(), spec.stateDir());
        } catch (java.io.IOException | RuntimeException e) {
            System.getLogger(NamespacesSandbox.class.getName()).log(System.Logger.Level.WARNING,
                    "cannot remove the routed network of " + spec.id() + ": " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "NamespacesSandbox" + Map.of("id", spec.id(), "shim", shimPid, "init", initPid);
    }
}
