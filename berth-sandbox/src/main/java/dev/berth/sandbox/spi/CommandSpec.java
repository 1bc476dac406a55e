package dev.berth.sandbox.spi;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A process to run in a sandbox: with pipes for stdin, stdout and stderr, or on a terminal.
 *
 * @param env the complete environment (nothing of the host's is added)
 * @param stdin bytes for standard input, or null for /dev/null; on a terminal, the first input
 * @param timeout ended (TERM, then KILL) after this long; null for none
 * @param retainBytes output kept for re-reading; older output is trimmed once no reader needs it
 * @param terminal a pseudo-terminal of this size (its controlling terminal; output is one
 *     stream, as a terminal shows it), or null for pipes
 */
public record CommandSpec(
        String id,
        List<String> argv,
        Map<String, String> env,
        String cwd,
        byte[] stdin,
        Duration timeout,
        long retainBytes,
        TerminalSize terminal) {

    /** A command on pipes. */
    public CommandSpec(String id, List<String> argv, Map<String, String> env, String cwd, byte[] stdin, Duration timeout,
            long retainBytes) {
        this(id, argv, env, cwd, stdin, timeout, retainBytes, null);
    }

    public CommandSpec {
        if (argv == null || argv.isEmpty()) {
            throw new IllegalArgumentException("argv must not be empty");
        }
        argv = List.copyOf(argv);
        env = Map.copyOf(env);
    }
}
