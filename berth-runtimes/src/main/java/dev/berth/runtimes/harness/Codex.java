package dev.berth.runtimes.harness;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * OpenAI's Codex CLI: {@code codex exec --json}, JSON Lines of thread, turn and item events (items:
 * agent_message, reasoning, command_execution, file_change, mcp_tool_call, web_search, error).
 *
 * <p>Codex no longer honours {@code OPENAI_BASE_URL} (it was deprecated for a config key, then
 * removed), so each turn names the gateway as a model provider of its own with {@code -c} overrides:
 * its base URL, and {@code OPENAI_API_KEY} (the session's placeholder) as its key.
 */
public final class Codex implements Harness {
    public static final String NAME = "codex";
    static final NpmPackage PACKAGE = new NpmPackage("@openai/codex", "0.171.0", "codex");
    /** Where every sandbox reaches the gateway (the shim's fixed loopback address). */
    static final String SANDBOX_GATEWAY = "http://127.0.0.1:7761";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Optional<NpmPackage> npm() {
        return Optional.of(PACKAGE);
    }

    @Override
    public String installNote() {
        return "npm install " + PACKAGE.name() + "@" + PACKAGE.version();
    }

    @Override
    public List<String> argv(Turn turn) {
        List<String> a = new ArrayList<>(List.of("codex", "exec", "--json", "--full-auto", "--skip-git-repo-check",
                "-c", "model_provider=\"berth\"",
                "-c", "model_providers.berth.name=\"Berth gateway\"",
                "-c", "model_providers.berth.base_url=\"" + SANDBOX_GATEWAY + "/model/openai/v1\"",
                "-c", "model_providers.berth.env_key=\"OPENAI_API_KEY\"",
                "-c", "model_providers.berth.wire_api=\"responses\""));
        if (turn.model() != null) {
            a.addAll(List.of("-m", turn.model()));
        }
        if (turn.iteration() > 1) {
            a.addAll(List.of("resume", "--last")); // exec's options stay before the subcommand
        }
        a.add("--");
        a.add(turn.prompt());
        return a;
    }

    @Override
    public Map<String, String> env(Turn turn, String gatewayUrl) {
        return Map.of(); // the gateway and key are named in argv (see the class comment)
    }

    @Override
    public StepParser parser() {
        return new Parser();
    }

    private static final class Parser implements StepParser {
        /** Items started and not yet completed: a turn cut short still shows the command it was running. */
        private final Map<String, JsonNode> open = new LinkedHashMap<>();
        private String lastMessage;

        @Override
        public List<Step> line(String line) {
            JsonNode e = OutputLines.object(line);
            if (e == null) {
                return OutputLines.plain(line);
            }
            List<Step> steps = new ArrayList<>();
            JsonNode item = e.path("item");
            switch (String.valueOf(OutputLines.str(e, "type"))) {
                case "item.started" -> {
                    String id = OutputLines.str(item, "id");
                    if (id != null && open.size() < 1000) {
                        open.put(id, item);
                    }
                }
                case "item.completed" -> {
                    String id = OutputLines.str(item, "id");
                    if (id != null) {
                        open.remove(id);
                    }
                    item(item, steps);
                }
                case "turn.completed" -> steps.add(OutputLines.of(Step.Kind.RESULT, lastMessage, null, null));
                case "turn.failed" -> OutputLines.add(steps, Step.Kind.ERROR,
                        firstText(e.path("error").path("message"), e.path("error")), null);
                case "error" -> OutputLines.add(steps, Step.Kind.ERROR, firstText(e.path("message"), e), null);
                default -> { } // thread.started, turn.started, item.updated
            }
            return steps;
        }

        private void item(JsonNode item, List<Step> steps) {
            switch (String.valueOf(OutputLines.str(item, "type"))) {
                case "agent_message" -> {
                    lastMessage = OutputLines.str(item, "text");
                    OutputLines.add(steps, Step.Kind.MESSAGE, lastMessage, null);
                }
                case "command_execution" -> steps.add(OutputLines.of(Step.Kind.COMMAND, OutputLines.str(item, "command"),
                        null, OutputLines.integer(item.path("exit_code"))));
                case "file_change" -> {
                    StringBuilder b = new StringBuilder();
                    for (JsonNode c : item.path("changes")) {
                        b.append(b.isEmpty() ? "" : ", ").append(OutputLines.str(c, "kind")).append(' ')
                                .append(OutputLines.str(c, "path"));
                    }
                    steps.add(OutputLines.of(Step.Kind.TOOL_CALL, b.toString(), "file_change", null));
                }
                case "mcp_tool_call" -> {
                    String server = OutputLines.str(item, "server");
                    String tool = OutputLines.str(item, "tool");
                    String name = server == null ? tool : server + "." + tool;
                    steps.add(OutputLines.of(Step.Kind.TOOL_CALL, OutputLines.text(item.path("arguments")), name, null));
                    JsonNode error = item.path("error");
                    steps.add(OutputLines.of(Step.Kind.TOOL_RESULT, error.isMissingNode() || error.isNull()
                            ? OutputLines.text(item.path("result")) : firstText(error.path("message"), error), name, null));
                }
                case "web_search" -> steps.add(OutputLines.of(Step.Kind.TOOL_CALL, OutputLines.str(item, "query"),
                        "web_search", null));
                case "error" -> OutputLines.add(steps, Step.Kind.ERROR, OutputLines.str(item, "message"), null);
                default -> { } // reasoning summaries, todo lists
            }
        }

        @Override
        public List<Step> end() {
            List<Step> steps = new ArrayList<>();
            for (JsonNode item : open.values()) {
                if ("command_execution".equals(OutputLines.str(item, "type"))) {
                    steps.add(OutputLines.of(Step.Kind.COMMAND, OutputLines.str(item, "command"), null, null));
                }
            }
            open.clear();
            return steps;
        }
    }

    /** A node's text, or the fallback's when it has none. */
    static String firstText(JsonNode preferred, JsonNode fallback) {
        String t = OutputLines.text(preferred);
        return t != null ? t : OutputLines.text(fallback);
    }
}
