package dev.berth.runtimes.harness;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Google's Gemini CLI: {@code gemini --output-format stream-json}, JSON Lines of {@code init},
 * {@code message} (the assistant's text in chunks), {@code tool_use}, {@code tool_result}, {@code error}
 * and a closing {@code result}. With {@code GEMINI_API_KEY} it uses the Gemini API, whose base URL it
 * takes from {@code GOOGLE_GEMINI_BASE_URL}: the gateway.
 */
public final class Gemini implements Harness {
    public static final String NAME = "gemini";
    static final NpmPackage PACKAGE = new NpmPackage("@google/gemini-cli", "0.61.0", "gemini");

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
        List<String> a = new ArrayList<>(List.of("gemini", "--output-format", "stream-json", "--yolo"));
        if (turn.model() != null) {
            a.addAll(List.of("-m", turn.model()));
        }
        if (turn.iteration() > 1) {
            a.addAll(List.of("--resume", "latest"));
        }
        // one argv element with the option: a prompt that starts with "-" is still the prompt
        a.add("--prompt=" + turn.prompt());
        return a;
    }

    @Override
    public Map<String, String> env(Turn turn, String gatewayUrl) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("GOOGLE_GEMINI_BASE_URL", gatewayUrl + "/model/gemini");
        if (turn.model() != null) {
            env.put("GEMINI_MODEL", turn.model());
        }
        // the workspace is not in its list of trusted folders, and headless it would not ask
        env.put("GEMINI_CLI_TRUST_WORKSPACE", "true");
        return env;
    }

    @Override
    public StepParser parser() {
        return new Parser();
    }

    private static final class Parser implements StepParser {
        private final Map<String, String> toolNames = new HashMap<>();
        /** The assistant's message so far: it comes in chunks, and is one step once something else comes. */
        private final StringBuilder message = new StringBuilder();
        private String lastMessage;

        @Override
        public List<Step> line(String line) {
            JsonNode e = OutputLines.object(line);
            List<Step> steps = new ArrayList<>();
            String type = e == null ? null : OutputLines.str(e, "type");
            if ("message".equals(type)) {
                if ("assistant".equals(OutputLines.str(e, "role"))) {
                    String chunk = OutputLines.str(e, "content");
                    if (chunk != null && message.length() < OutputLines.MAX_TEXT * 4) {
                        message.append(chunk);
                    }
                    if (!e.path("delta").asBoolean(false)) {
                        flush(steps);
                    }
                }
                return steps;
            }
            flush(steps);
            if (e == null) {
                steps.addAll(OutputLines.plain(line));
                return steps;
            }
            switch (String.valueOf(type)) {
                case "tool_use" -> {
                    String tool = OutputLines.str(e, "tool_name");
                    String id = OutputLines.str(e, "tool_id");
                    if (id != null && tool != null && toolNames.size() < 10_000) {
                        toolNames.put(id, tool);
                    }
                    JsonNode params = e.path("parameters");
                    JsonNode command = params.path("command");
                    steps.add(OutputLines.of(Step.Kind.TOOL_CALL, OutputLines.text(command.isTextual() ? command : params),
                            tool, null));
                }
                case "tool_result" -> {
                    String tool = toolNames.get(OutputLines.str(e, "tool_id"));
                    boolean failed = "error".equals(OutputLines.str(e, "status"));
                    steps.add(OutputLines.of(Step.Kind.TOOL_RESULT, failed
                            ? Codex.firstText(e.path("error").path("message"), e.path("output"))
                            : OutputLines.text(e.path("output")), tool, null));
                }
                case "error" -> OutputLines.add(steps, Step.Kind.ERROR, OutputLines.str(e, "message"), null);
                case "result" -> {
                    if ("success".equals(OutputLines.str(e, "status"))) {
                        steps.add(OutputLines.of(Step.Kind.RESULT, lastMessage, null, null));
                    } else {
                        OutputLines.add(steps, Step.Kind.ERROR, Codex.firstText(e.path("error").path("message"),
                                e.path("status")), null);
                    }
                }
                default -> { } // init
            }
            return steps;
        }

        @Override
        public List<Step> end() {
            List<Step> steps = new ArrayList<>();
            flush(steps);
            return steps;
        }

        private void flush(List<Step> steps) {
            if (!message.isEmpty()) {
                lastMessage = message.toString();
                message.setLength(0);
                OutputLines.add(steps, Step.Kind.MESSAGE, lastMessage, null);
            }
        }
    }
}
