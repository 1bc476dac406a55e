package dev.berth.runtimes.harness;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Cursor CLI: {@code cursor-agent -p --output-format stream-json}, JSON Lines of {@code system},
 * {@code user}, {@code assistant}, {@code tool_call} (started, completed: one key naming the tool, e.g.
 * {@code shellToolCall}, with its args and result) and a closing {@code result}.
 *
 * <p>Not installable by Berth: Cursor ships the CLI from its own site, and the {@code cursor-agent}
 * package on npm is not Cursor's. It talks only to Cursor's backend, with a {@code CURSOR_API_KEY}:
 * the model gateway cannot serve it (its traffic can only go out through the egress proxy, where policy
 * allows Cursor's hosts).
 */
public final class Cursor implements Harness {
    public static final String NAME = "cursor";

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
        return "the Cursor CLI (cursor-agent) is installed with Cursor's own installer (https://cursor.com/cli), not from npm "
                + "(the npm package named cursor-agent is not Cursor's); it needs a CURSOR_API_KEY and talks only to Cursor's backend";
    }

    @Override
    public List<String> argv(Turn turn) {
        List<String> a = new ArrayList<>(List.of("cursor-agent", "-p", "--output-format", "stream-json", "--force"));
        if (turn.model() != null) {
            a.addAll(List.of("-m", turn.model()));
        }
        if (turn.iteration() > 1) {
            a.add("--resume"); // no chat id: its latest chat
        }
        a.add("--");
        a.add(turn.prompt());
        return a;
    }

    @Override
    public Map<String, String> env(Turn turn, String gatewayUrl) {
        return Map.of();
    }

    @Override
    public StepParser parser() {
        return new Parser();
    }

    private static final class Parser implements StepParser {
        @Override
        public List<Step> line(String line) {
            JsonNode e = OutputLines.object(line);
            if (e == null) {
                return OutputLines.plain(line);
            }
            List<Step> steps = new ArrayList<>();
            switch (String.valueOf(OutputLines.str(e, "type"))) {
                case "assistant" -> {
                    for (JsonNode block : e.path("message").path("content")) {
                        if ("text".equals(OutputLines.str(block, "type"))) {
                            OutputLines.add(steps, Step.Kind.MESSAGE, OutputLines.str(block, "text"), null);
                        }
                    }
                }
                case "tool_call" -> {
                    if ("completed".equals(OutputLines.str(e, "subtype"))) {
                        toolCall(e.path("tool_call"), steps);
                    }
                }
                case "result" -> {
                    boolean failed = e.path("is_error").asBoolean(false) || !"success".equals(OutputLines.str(e, "subtype"));
                    OutputLines.add(steps, failed ? Step.Kind.ERROR : Step.Kind.RESULT,
                            Codex.firstText(e.path("result"), e.path("subtype")), null);
                }
                default -> { } // system, user (the prompt echoed), thinking
            }
            return steps;
        }

        /** {@code {"shellToolCall": {"args": …, "result": {"success": …} | {"failure": …}}}}: one key, the tool. */
        private static void toolCall(JsonNode call, List<Step> steps) {
            if (!call.isObject() || call.isEmpty()) {
                return;
            }
            String key = call.fieldNames().next();
            String tool = key.endsWith("ToolCall") ? key.substring(0, key.length() - "ToolCall".length()) : key;
            JsonNode body = call.path(key);
            JsonNode args = body.path("args");
            JsonNode result = body.path("result");
            JsonNode success = result.path("success");
            JsonNode failure = result.path("failure");
            JsonNode outcome = success.isMissingNode() ? failure : success;
            if ("shell".equals(tool)) {
                Integer exit = OutputLines.integer(outcome.path("exitCode"));
                steps.add(OutputLines.of(Step.Kind.COMMAND, OutputLines.str(args, "command"), tool, exit));
                return;
            }
            steps.add(OutputLines.of(Step.Kind.TOOL_CALL, OutputLines.text(args), tool, null));
            if (!result.isMissingNode()) {
                steps.add(OutputLines.of(failure.isMissingNode() ? Step.Kind.TOOL_RESULT : Step.Kind.ERROR,
                        OutputLines.text(outcome.isMissingNode() ? result : outcome), tool, null));
            }
        }
    }
}
