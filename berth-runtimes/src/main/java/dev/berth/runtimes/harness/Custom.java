package dev.berth.runtimes.harness;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Any command as a harness: {@code sh -c COMMAND}, the prompt, iteration and model given in its
 * environment ({@code BERTH_PROMPT}, {@code BERTH_ITERATION}, {@code BERTH_MODEL}), never in the command
 * line, so no prompt is ever parsed by a shell. A line it prints that is a JSON object
 * {@code {"type":"step","kind":"message|tool_call|tool_result|command|result|error","text":…,"tool":…,"exitCode":…}}
 * is that step; any other non-blank line is a message.
 */
public final class Custom implements Harness {
    public static final String NAME = "custom";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Optional<NpmPackage> npm() {
        return Optional.empty();
    }

    @Override
    public String installNote() {
        return "a custom harness runs its --command in the runtime's tree: deploy it with --command CMD, from --zip (the command "
                + "defaults to the zip's entrypoint) or from --image";
    }

    @Override
    public List<String> argv(Turn turn) {
        if (turn.command() == null || turn.command().isBlank()) {
            throw new IllegalArgumentException("the custom harness needs a command");
        }
        return List.of("sh", "-c", turn.command());
    }

    @Override
    public Map<String, String> env(Turn turn, String gatewayUrl) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("BERTH_PROMPT", turn.prompt());
        env.put("BERTH_ITERATION", Integer.toString(turn.iteration()));
        env.put("BERTH_MODEL", turn.model() == null ? "" : turn.model());
        return env;
    }

    @Override
    public StepParser parser() {
        return Custom::parse;
    }

    static List<Step> parse(String line) {
        JsonNode e = OutputLines.object(line);
        if (e == null || !"step".equals(OutputLines.str(e, "type"))) {
            return OutputLines.plain(line);
        }
        Step.Kind kind;
        try {
            String k = OutputLines.str(e, "kind");
            kind = Step.Kind.valueOf((k == null ? "message" : k).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException unknown) {
            return OutputLines.plain(line);
        }
        return List.of(OutputLines.of(kind, OutputLines.text(e.path("text")), OutputLines.str(e, "tool"),
                OutputLines.integer(e.path("exitCode"))));
    }
}
