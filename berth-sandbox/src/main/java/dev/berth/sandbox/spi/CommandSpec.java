package dev.berth.sandbox.spi;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A non-interactive process to run in a sandbox.
 *
 * @param env the complete environment (nothing of the host's is added)
 * @param stdin bytes for standard input, or null for /dev/null
 * @param timeout ended (TERM, then KILL) after this long; null for none
 * @param retainBytes output kept for re-reading; older output is trimmed once no reader needs it
 */
public record CommandSpec(
        String id,
        List<String> argv,
        Map<String, String> env,
        String cwd,
        byte[] stdin,
        Duration timeout,
        long retainBytes) {

    public CommandSpec {
        if (argv == null || argv.isEmpty()) {
            throw new IllegalArgumentException("argv must not be empty");
        }
        argv = List.copyOf(argv);
        env = Map.copyOf(env);
    }
}
