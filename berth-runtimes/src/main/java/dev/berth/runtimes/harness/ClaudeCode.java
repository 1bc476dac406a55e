package dev.berth.runtimes.harness;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Anthropic's Claude Code: {@code claude -p --output-format stream-json --verbose}, one JSON message a
 * line ({@code system}, {@code assistant} with text and tool_use blocks, {@code user} with tool_result
 * blocks, and a closing {@code result}). It reads {@code ANTHROPIC_BASE_URL} and {@code ANTHROPIC_API_KEY},
 * so the gateway serves it as it is.
 */
public final class ClaudeCode implements Harness {
    public static final String NAME = "claude-code";
    static final NpmPackage PACKAGE = new NpmPackage("@anthropic-ai/claude-code", "2.1.332", "claude");

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
        return "npm install " + PACKAGE.name() + "@" + PACKAGE.version() + " (its native binary comes in a platform package)";
    }

    /**
     * The package's own {@code bin/claude.exe} is a stub that its postinstall script overwrites with the
     * native binary of the platform package; scripts are not run at deploy, so the binary is linked
     * from the platform package instead.
     */
    @Override
    public List<String> executables() {
        String arch = NativeArch.npmArch();
        return List.of("@anthropic-ai/claude-code-linux-" + arch + "/claude",
                "@anthropic-ai/claude-code-linux-" + arch + "-musl/claude");
    }

    @Override
    public List<String> argv(Turn turn) {
        List<String> a = new ArrayList<>(List.of("claude", "-p", "--output-format", "stream-json", "--verbose",
                "--dangerously-skip-permissions"));
        if (turn.model() != null) {
            a.addAll(List.of("--model", turn.model()));
        }
        if (turn.iteration() > 1) {
            a.add("--continue"); // the most recent conversation in this directory: the previous turn's
        }
        a.add("--");
        a.add(turn.prompt());
        return a;
    }

    @Override
    public Map<String, String> env(Turn turn, String gatewayUrl) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("ANTHROPIC_BASE_URL", gatewayUrl + "/model/anthropic");
        if (turn.model() != null) {
            env.put("ANTHROPIC_MODEL", turn.model());
        }
        // sandboxes run as their own root: Claude Code refuses to skip permissions as root unless told it is sandboxed
        env.put("IS_SANDBOX", "1");
        env.put("DISABLE_AUTOUPDATER", "1");
        env.put("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
        return env;
    }

    @Override
    public StepParser parser() {
        return new Parser();
    }

    private static final class Parser implements StepParser {
        private final Map<String, String> toolNames = new HashMap<>();

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
                        switch (String.valueOf(OutputLines.str(block, "type"))) {
                            case "text" -> OutputLines.add(steps, Step.Kind.MESSAGE, OutputLines.str(block, "text"), null);
                            case "tool_use" -> {
                                String tool = OutputLines.str(block, "name");
                                String id = OutputLines.str(block, "id");
                                if (id != null && tool != null && toolNames.size() < 10_000) {
                                    toolNames.put(id, tool);
                                }
                                JsonNode input = block.path("input");
                                JsonNode command = input.path("command");
                                steps.add(OutputLines.of(Step.Kind.TOOL_CALL, OutputLines.text(
                                        "Bash".equals(tool) && command.isTextual() ? command : input), tool, null));
                            }
                            default -> { } // thinking blocks are not steps
                        }
                    }
                }
                case "user" -> {
                    for (JsonNode block : e.path("message").path("content")) {
                        if ("tool_result".equals(OutputLines.str(block, "type"))) {
                            String tool = toolNames.get(OutputLines.str(block, "tool_use_id"));
                            steps.add(OutputLines.of(Step.Kind.TOOL_RESULT, resultText(block.path("content")), tool, null));
                        }
                    }
                }
                case "result" -> {
                    boolean failed = e.path("is_error").asBoolean(false)
                            || !"success".equals(OutputLines.str(e, "subtype"));
                    String text = OutputLines.str(e, "result");
                    OutputLines.add(steps, failed ? Step.Kind.ERROR : Step.Kind.RESULT,
                            text != null ? text : OutputLines.str(e, "subtype"), null);
                }
                default -> { } // system/init, stream events: bookkeeping, not steps
            }
            return steps;
        }

        /** A tool result's content: a string, or text blocks. */
        private static String resultText(JsonNode content) {
            if (!content.isArray()) {
                return OutputLines.text(content);
            }
            StringBuilder b = new StringBuilder();
            for (JsonNode c : content) {
                String t = OutputLines.str(c, "text");
                if (t != null) {
                    b.append(b.isEmpty() ? "" : "\n").append(t);
                }
                if (b.length() > OutputLines.MAX_TEXT * 4) {
                    break;
                }
            }
            return b.toString();
        }
    }
}
