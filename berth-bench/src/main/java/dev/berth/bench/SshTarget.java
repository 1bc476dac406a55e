package dev.berth.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An OpenSSH server on 127.0.0.1 to compare with: what a user would otherwise reach a remote (or
 * local) machine through. {@code -F /dev/null} keeps the user's own ssh config out of the numbers.
 */
public record SshTarget(int port, String user, Optional<Path> identity, Optional<Path> knownHosts) {

    /** {@code ssh ... CMD} over a new connection (key exchange and authentication every time). */
    public List<String> command(String... remote) {
        return build(List.of(), remote);
    }

    /** {@code ssh ... CMD} as a new channel on the master connection at {@code controlPath}. */
    public List<String> multiplexed(Path controlPath, String... remote) {
        return build(List.of("-o", "ControlMaster=no", "-o", "ControlPath=" + controlPath), remote);
    }

    /** Starts a master connection in the background ({@code -f}) that {@link #multiplexed} reuses. */
    public List<String> startMaster(Path controlPath) {
        return build(List.of("-M", "-N", "-f", "-o", "ControlPath=" + controlPath));
    }

    public List<String> stopMaster(Path controlPath) {
        return build(List.of("-O", "exit", "-o", "ControlPath=" + controlPath));
    }

    private List<String> build(List<String> extra, String... remote) {
        List<String> argv = new ArrayList<>(List.of("ssh", "-F", "/dev/null", "-p", Integer.toString(port),
                "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-l", user));
        identity.ifPresent(i -> argv.addAll(List.of("-o", "IdentitiesOnly=yes", "-i", i.toString())));
        knownHosts.ifPresentOrElse(
                k -> argv.addAll(List.of("-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + k)),
                () -> argv.addAll(List.of("-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null")));
        argv.addAll(extra);
        argv.add("127.0.0.1"); // loopback only, by construction
        argv.addAll(List.of(remote));
        return argv;
    }
}
