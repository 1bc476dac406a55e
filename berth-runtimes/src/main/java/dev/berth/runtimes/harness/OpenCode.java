package dev.berth.runtimes.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * SST's opencode: {@code opencode run --format json}, JSON Lines of {@code step_start}, {@code text},
 * {@code tool_use} (one per finished tool call, with its input, output and state), {@code step_finish}
 * and {@code error}. It is pointed at the gateway by a config passed in {@code OPENCODE_CONFIG_CONTENT}
 * that gives its anthropic, openai and google providers the gateway's base URLs.
 */
public final class OpenCode implements Harness {
    public static final String NAME = "opencode";
    static final NpmPackage PACKAGE = new NpmPackage("opencode-ai", "1.18.33", "opencode");
    private static final ObjectMapper JSON = new ObjectMapper();

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

    /** Like Claude Code's, its package's bin is a stub its postinstall replaces: link the platform binary. */
    @Override
    public List<String> executables() {
        String base = "opencode-linux-" + NativeArch.npmArch();
        List<String> order = "x64".equals(NativeArch.npmArch()) && !NativeArch.avx2()
                ? List.of(base + "-baseline", base) : List.of(base, base + "-baseline");
        List<String> paths = new ArrayList<>();
        for (String p : order) {
            paths.add(p + "/bin/opencode");
        }
        paths.add(base + "-musl/bin/opencode");
        return paths;
    }

    @Override
    public List<String> argv(Turn turn) {
        List<String> a = new ArrayList<>(List.of("opencode", "run", "--format", "json"));
        if (turn.model() != null) {
            a.addAll(List.of("-m", qualified(turn.model())));
        }
        if (turn.iteration() > 1) {
            a.add("--continue");
        }
        a.add("--");
        a.add(turn.prompt());
        return a;
    }

    /** opencode names models provider/model; a bare model name gets the provider its name says. */
    static String qualified(String model) {
        if (model.contains("/")) {
            return model;
        }
        String m = model.toLowerCase(Locale.ROOT);
        String provider = m.startsWith("gpt-") || m.matches("o\\d.*") || m.startsWith("codex") ? "openai"
                : m.startsWith("gemini") ? "google" : "anthropic";
        return provider + "/" + model;
    }

    @Override
    public Map<String, String> env(Turn turn, String gatewayUrl) {
        ObjectNode config = JSON.createObjectNode();
        config.put("$schema", "https://opencode.ai/config.json");
        config.put("autoupdate", false);
        config.put("share", "disabled");
        ObjectNode permission = config.putObject("permission");
        permission.put("edit", "allow");
        permission.put("bash", "allow");
        permission.put("webfetch", "allow");
        ObjectNode providers = config.putObject("provider");
        // the AI SDK's base URLs include the API's version path
        provider(providers, "anthropic", gatewayUrl + "/model/anthropic/v1", "{env:ANTHROPIC_API_KEY}");
        provider(providers, "openai", gatewayUrl + "/model/openai/v1", "{env:OPENAI_API_KEY}");
        provider(providers, "google", gatewayUrl + "/model/gemini/v1beta", "{env:GEMINI_API_KEY}");
        if (turn.model() != null) {
            config.put("model", qualified(turn.model()));
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("OPENCODE_CONFIG_CONTENT", config.toString());
        env.put("OPENCODE_DISABLE_AUTOUPDATE", "true");
        return env;
    }

    private static void provider(ObjectNode providers, String name, String baseUrl, String key) {
        ObjectNode options = providers.putObject(name).putObject("options");
        options.put("baseURL", baseUrl);
        options.put("apiKey", key);
    }

    @Override
    public StepParser parser() {
        return new Parser();
    }

    private static final class Parser implements StepParser {
        private String lastText;

        @Override
        public List<Step> line(String line) {
            JsonNode e = OutputLines.object(line);
            if (e == null) {
                return OutputLines.plain(line);
            }
            List<Step> steps = new ArrayList<>();
            JsonNode part = e.path("part");
            switch (String.valueOf(OutputLines.str(e, "type"))) {
                case "text" -> {
                    String t = OutputLines.str(part, "text");
                    if (OutputLines.text(t) != null) {
                        lastText = t;
                    }
                    OutputLines.add(steps, Step.Kind.MESSAGE, t, null);
                }
                case "tool_use" -> tool(part, steps);
                case "step_finish" -> {
                    if ("stop".equals(OutputLines.str(part, "reason"))) {
                        steps.add(OutputLines.of(Step.Kind.RESULT, lastText, null, null));
                    }
                }
                case "error" -> {
                    JsonNode err = e.path("error");
                    OutputLines.add(steps, Step.Kind.ERROR, Codex.firstText(err.path("data").path("message"),
                            err.path("name").isMissingNode() ? err : err.path("name")), null);
                }
                default -> { } // step_start
            }
            return steps;
        }

        private static void tool(JsonNode part, List<Step> steps) {
            String tool = OutputLines.str(part, "tool");
            JsonNode state = part.path("state");
            JsonNode input = state.path("input");
            boolean failed = "error".equals(OutputLines.str(state, "status"));
            String outcome = failed ? OutputLines.str(state, "error") : OutputLines.text(state.path("output"));
            if ("bash".equals(tool)) {
                Integer exit = OutputLines.integer(state.path("metadata").path("exit"));
                steps.add(OutputLines.of(Step.Kind.COMMAND, OutputLines.str(input, "command"), tool, exit));
                if (failed) {
                    OutputLines.add(steps, Step.Kind.ERROR, outcome, tool);
                }
                return;
            }
            steps.add(OutputLines.of(Step.Kind.TOOL_CALL, OutputLines.text(input), tool, null));
            steps.add(OutputLines.of(failed ? Step.Kind.ERROR : Step.Kind.TOOL_RESULT, outcome, tool, null));
        }
    }
}
