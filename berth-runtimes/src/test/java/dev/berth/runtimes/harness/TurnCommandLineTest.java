package dev.berth.runtimes.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each harness's argv and env for a turn: model or not, first or later turn, and a prompt no shell ever parses. */
class TurnCommandLineTest {
    static final String GATEWAY = "http://127.0.0.1:7761";
    /** Quotes, a newline, shell syntax and a leading dash: one argv element all the same. */
    static final String NASTY = "-rf \"it's\" $(rm -rf /) `x`\nsecond line; echo hi";

    static Turn first(String model) {
        return new Turn(NASTY, model, 1, null);
    }

    static Turn later(String model) {
        return new Turn(NASTY, model, 3, null);
    }

    @Test
    void claudeCode() {
        Harness h = new ClaudeCode();
        assertThat(h.argv(first(null))).containsExactly("claude", "-p", "--output-format", "stream-json", "--verbose",
                "--dangerously-skip-permissions", "--", NASTY);
        assertThat(h.argv(later("claude-sonnet-4-5"))).containsExactly("claude", "-p", "--output-format", "stream-json",
                "--verbose", "--dangerously-skip-permissions", "--model", "claude-sonnet-4-5", "--continue", "--", NASTY);
        assertThat(h.env(first(null), GATEWAY)).containsEntry("ANTHROPIC_BASE_URL", GATEWAY + "/model/anthropic")
                .containsEntry("IS_SANDBOX", "1").doesNotContainKey("ANTHROPIC_MODEL");
        assertThat(h.env(first("claude-opus-4-1"), GATEWAY)).containsEntry("ANTHROPIC_MODEL", "claude-opus-4-1");
    }

    @Test
    void codexNamesTheGatewayAsItsProvider() {
        Harness h = new Codex();
        List<String> a = h.argv(first(null));
        assertThat(a).startsWith("codex", "exec", "--json", "--full-auto", "--skip-git-repo-check").endsWith("--", NASTY)
                .contains("model_provider=\"berth\"", "model_providers.berth.base_url=\"http://127.0.0.1:7761/model/openai/v1\"",
                        "model_providers.berth.env_key=\"OPENAI_API_KEY\"")
                .doesNotContain("-m", "resume");
        List<String> b = h.argv(later("gpt-5"));
        assertThat(b.subList(b.size() - 6, b.size())).containsExactly("-m", "gpt-5", "resume", "--last", "--", NASTY);
        assertThat(h.env(first("gpt-5"), GATEWAY)).isEmpty();
    }

    @Test
    void gemini() {
        Harness h = new Gemini();
        assertThat(h.argv(first(null))).containsExactly("gemini", "--output-format", "stream-json", "--yolo",
                "--prompt=" + NASTY);
        assertThat(h.argv(later("gemini-2.5-pro"))).containsExactly("gemini", "--output-format", "stream-json", "--yolo",
                "-m", "gemini-2.5-pro", "--resume", "latest", "--prompt=" + NASTY);
        assertThat(h.env(first("gemini-2.5-pro"), GATEWAY)).containsEntry("GOOGLE_GEMINI_BASE_URL", GATEWAY + "/model/gemini")
                .containsEntry("GEMINI_MODEL", "gemini-2.5-pro");
        assertThat(h.env(first(null), GATEWAY)).doesNotContainKey("GEMINI_MODEL");
    }

    @Test
    void opencodeGetsItsProvidersFromAConfigInItsEnvironment() throws Exception {
        Harness h = new OpenCode();
        assertThat(h.argv(first(null))).containsExactly("opencode", "run", "--format", "json", "--", NASTY);
        assertThat(h.argv(later("gpt-5"))).containsExactly("opencode", "run", "--format", "json", "-m", "openai/gpt-5",
                "--continue", "--", NASTY);
        assertThat(h.argv(first("anthropic/claude-sonnet-4-5"))).contains("anthropic/claude-sonnet-4-5");
        assertThat(OpenCode.qualified("claude-sonnet-4-5")).isEqualTo("anthropic/claude-sonnet-4-5");
        assertThat(OpenCode.qualified("gemini-2.5-pro")).isEqualTo("google/gemini-2.5-pro");
        Map<String, String> env = h.env(first("gpt-5"), GATEWAY);
        JsonNode config = new ObjectMapper().readTree(env.get("OPENCODE_CONFIG_CONTENT"));
        assertThat(config.path("provider").path("anthropic").path("options").path("baseURL").asText())
                .isEqualTo(GATEWAY + "/model/anthropic/v1");
        assertThat(config.path("provider").path("openai").path("options").path("baseURL").asText())
                .isEqualTo(GATEWAY + "/model/openai/v1");
        assertThat(config.path("provider").path("openai").path("options").path("apiKey").asText())
                .isEqualTo("{env:OPENAI_API_KEY}");
        assertThat(config.path("model").asText()).isEqualTo("openai/gpt-5");
        assertThat(config.path("permission").path("bash").asText()).isEqualTo("allow");
    }

    @Test
    void cursorAndKiro() {
        assertThat(new Cursor().argv(first(null))).containsExactly("cursor-agent", "-p", "--output-format", "stream-json",
                "--force", "--", NASTY);
        assertThat(new Cursor().argv(later("gpt-5"))).containsExactly("cursor-agent", "-p", "--output-format", "stream-json",
                "--force", "-m", "gpt-5", "--resume", "--", NASTY);
        assertThat(new Kiro().argv(first(null))).containsExactly("kiro-cli", "chat", "--no-interactive", "--trust-all-tools",
                "--", NASTY);
        assertThat(new Kiro().argv(later("claude-sonnet-4.5"))).containsExactly("kiro-cli", "chat", "--no-interactive",
                "--trust-all-tools", "--model", "claude-sonnet-4.5", "--resume", "--", NASTY);
        assertThat(new Cursor().npm()).isEmpty();
        assertThat(new Kiro().npm()).isEmpty();
        assertThat(new Cursor().installNote()).contains("not Cursor's");
        assertThat(new Kiro().installNote()).contains("no npm package");
    }

    @Test
    void customPassesThePromptOnlyInItsEnvironment() {
        Harness h = new Custom();
        Turn t = new Turn(NASTY, "gpt-5", 2, "python3 agent.py --loop");
        assertThat(h.argv(t)).containsExactly("sh", "-c", "python3 agent.py --loop");
        assertThat(String.join(" ", h.argv(t))).doesNotContain("rm -rf");
        assertThat(h.env(t, GATEWAY)).containsExactlyInAnyOrderEntriesOf(Map.of("BERTH_PROMPT", NASTY,
                "BERTH_ITERATION", "2", "BERTH_MODEL", "gpt-5"));
        assertThat(h.env(new Turn("p", null, 1, "x"), GATEWAY)).containsEntry("BERTH_MODEL", "");
        assertThatThrownBy(() -> h.argv(new Turn("p", null, 1, null))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theRegistryNamesThemAllAndExplainsAnUnknownName() {
        assertThat(Harnesses.names()).containsExactly("claude-code", "codex", "gemini", "opencode", "kiro", "cursor", "custom");
        for (String n : Harnesses.names()) {
            assertThat(Harnesses.named(n).name()).isEqualTo(n);
        }
        assertThatThrownBy(() -> Harnesses.named("aider")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("aider").hasMessageContaining("claude-code, codex, gemini, opencode, kiro, cursor, custom");
        assertThatThrownBy(() -> Harnesses.named(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void npmHarnessesArePinnedAndNameTheirExecutable() {
        for (String n : List.of("claude-code", "codex", "gemini", "opencode")) {
            NpmPackage p = Harnesses.named(n).npm().orElseThrow();
            assertThat(p.version()).as(n).matches("\\d+\\.\\d+\\.\\d+");
            assertThat(Harnesses.named(n).executables()).as(n).isNotEmpty();
        }
        assertThat(new Codex().executables()).containsExactly(".bin/codex");
        assertThat(new ClaudeCode().executables().getFirst()).matches("@anthropic-ai/claude-code-linux-[a-z0-9]+/claude");
    }
}
