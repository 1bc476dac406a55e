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
 */
public record CommandRequest(
        String command,
        List<String> argv,
        Map<String, String> env,
        String cwd,
        String stdin,
        String stdinBase64,
        Long timeoutSeconds,
        Boolean detach) {

    public static CommandRequest shell(String command) {
        return new CommandRequest(command, null, null, null, null, null, null, null);
    }

    public static CommandRequest argv(List<String> argv) {
        return new CommandRequest(null, argv, null, null, null, null, null, null);
    }
}
