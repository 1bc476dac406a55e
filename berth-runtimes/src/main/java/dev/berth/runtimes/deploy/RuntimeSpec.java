package dev.berth.runtimes.deploy;

import dev.berth.runtimes.harness.HarnessSpec;
import java.util.List;
import java.util.Map;

/**
 * What one deployed version of a runtime runs: immutable once deployed.
 *
 * @param kind {@code image} or {@code zip}
 * @param source what it was deployed from, as given (an image reference, or the zip's file name and language)
 * @param digest the image manifest's digest, or the zip's sha256
 * @param rootfs id of its root filesystem in the {@link RootfsStore}, shared by all versions with the same content
 * @param hostSystem whether the host's system directories are laid over it (zip runtimes run the host's Python or Node.js)
 * @param argv the agent process
 * @param env its environment defaults (a session's own env is laid over them)
 * @param workingDir its working directory
 * @param port where it serves {@code /invocations} and {@code /ping}
 * @param user the image's {@code User}, if any (kept for the record: agents run as the sandbox's root)
 * @param harness the coding agent it runs turn by turn, for a runtime deployed with {@code --harness}
 *     (its argv is then empty: no server runs in it); null for the others
 */
public record RuntimeSpec(String kind, String source, String digest, String rootfs, boolean hostSystem,
        List<String> argv, Map<String, String> env, String workingDir, int port, long unpackedBytes, String user,
        HarnessSpec harness) {
    public static final int AGENT_PORT = 8080;

    public RuntimeSpec {
        argv = List.copyOf(argv);
        env = Map.copyOf(env);
    }

    public RuntimeSpec(String kind, String source, String digest, String rootfs, boolean hostSystem, List<String> argv,
            Map<String, String> env, String workingDir, int port, long unpackedBytes, String user) {
        this(kind, source, digest, rootfs, hostSystem, argv, env, workingDir, port, unpackedBytes, user, null);
    }

    public RuntimeSpec withHarness(HarnessSpec h) {
        return new RuntimeSpec(kind, source, digest, rootfs, hostSystem, argv, env, workingDir, port, unpackedBytes, user, h);
    }
}
