package dev.berth.api.model;

import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/sessions/{id}/commands}: exactly one of {@code command} (run by {@code /bin/sh
 * -c}) or {@code argv}.
 *
 * @param stdin text fed to the command's standard input (UTF-8); absent means /dev/null
 * @param stdinBase64 binary standard input, an alternative to {@code stdin}
 * @param detach start the command and answer with its id at once instead of streaming
 * @param tty run it on a terminal of this size (stdout and stderr become one stream; type on it
 *     with {@code POST …/input}); absent: pipes
 */
public record CommandRequest(
        String command,
        List<String> argv,
        Map<String, String> env,
        String cwd,
        String stdin,
        String stdinBase64,
        Long timeoutSeconds,
        Boolean detach,
        Tty tty) {

    /** A command on pipes. */
    public CommandRequest(String command, List<String> argv, Map<String, String> env, String cwd, String stdin,
            String stdinBase64, Long timeoutSeconds, Boolean detach) {
        this(command, argv, env, cwd, stdin, stdinBase64, timeoutSeconds, detach, null);
    }

    public static CommandRequest shell(String command) {
        return new CommandRequest(command, null, null, null, null, null, null, null);
    }

    public static CommandRequest argv(List<String> argv) {
        return new CommandRequest(null, argv, null, null, null, null, null, null);
    }
}
