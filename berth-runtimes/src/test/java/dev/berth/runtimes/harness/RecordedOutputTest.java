package dev.berth.runtimes.harness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.runtimes.harness.Step.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each harness's parser over a recorded sample of its output format: the exact steps it makes. */
class RecordedOutputTest {
    static List<Step> parse(Harness h, String resource) throws IOException {
        String text;
        try (InputStream in = RecordedOutputTest.class.getResourceAsStream("/harness/" + resource)) {
            assertThat(in).as(resource).isNotNull();
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        StepParser p = h.parser();
        List<Step> steps = new ArrayList<>();
        text.lines().forEach(l -> steps.addAll(p.line(l)));
        steps.addAll(p.end());
        return steps;
    }

    static Step s(Kind kind, String text, String tool, Integer exit) {
        return new Step(kind, text, tool, exit);
    }

    @Test
    void claudeCodeStreamJson() throws IOException {
        assertThat(parse(new ClaudeCode(), "claude-code.jsonl")).containsExactly(
                s(Kind.MESSAGE, "I'll run the tests first.", null, null),
                s(Kind.TOOL_CALL, "make test", "Bash", null),
                s(Kind.TOOL_RESULT, "FAIL: test_add (1 != 2)", "Bash", null),
                s(Kind.TOOL_CALL, "{\"file_path\":\"/mnt/workspace/calc.py\",\"old_string\":\"a - b\",\"new_string\":\"a + b\"}",
                        "Edit", null),
                s(Kind.TOOL_RESULT, "The file /mnt/workspace/calc.py has been updated.", "Edit", null),
                s(Kind.MESSAGE, "Fixed: add() subtracted.", null, null),
                s(Kind.RESULT, "Fixed: add() subtracted.", null, null));
    }

    @Test
    void codexExecJson() throws IOException {
        assertThat(parse(new Codex(), "codex.jsonl")).containsExactly(
                s(Kind.COMMAND, "bash -lc 'make test'", null, 2),
                s(Kind.TOOL_CALL, "update calc.py, add test_calc.py", "file_change", null),
                s(Kind.TOOL_CALL, "{\"q\":\"python sum\"}", "docs.search", null),
                s(Kind.TOOL_RESULT, "{\"content\":[{\"type\":\"text\",\"text\":\"sum(iterable)\"}]}", "docs.search", null),
                s(Kind.MESSAGE, "The add function now adds; tests pass.", null, null),
                s(Kind.RESULT, "The add function now adds; tests pass.", null, null),
                s(Kind.ERROR, "stream disconnected before completion", null, null),
                // started, never completed: shown at the end, with no exit code
                s(Kind.COMMAND, "bash -lc 'make lint'", null, null));
    }

    @Test
    void geminiStreamJsonJoinsTheMessageChunks() throws IOException {
        assertThat(parse(new Gemini(), "gemini.jsonl")).containsExactly(
                s(Kind.MESSAGE, "Let me run the tests.", null, null),
                s(Kind.TOOL_CALL, "make test", "run_shell_command", null),
                s(Kind.TOOL_RESULT, "FAIL: test_add", "run_shell_command", null),
                s(Kind.TOOL_CALL, "{\"file_path\":\"/mnt/workspace/calc.py\",\"old_string\":\"a - b\",\"new_string\":\"a + b\"}",
                        "replace", null),
                s(Kind.TOOL_RESULT, "old_string not found in calc.py", "replace", null),
                s(Kind.ERROR, "Loop detected, stopping", null, null),
                s(Kind.MESSAGE, "Done: add() now adds.", null, null),
                s(Kind.RESULT, "Done: add() now adds.", null, null));
    }

    @Test
    void opencodeRunJson() throws IOException {
        assertThat(parse(new OpenCode(), "opencode.jsonl")).containsExactly(
                s(Kind.MESSAGE, "Running the tests.", null, null),
                s(Kind.COMMAND, "make test", "bash", 2),
                s(Kind.TOOL_CALL, "{\"filePath\":\"/mnt/workspace/calc.py\",\"oldString\":\"a - b\",\"newString\":\"a + b\"}",
                        "edit", null),
                s(Kind.TOOL_RESULT, "Edit applied successfully.", "edit", null),
                s(Kind.TOOL_CALL, "{\"filePath\":\"/mnt/workspace/missing.py\"}", "read", null),
                s(Kind.ERROR, "File not found: /mnt/workspace/missing.py", "read", null),
                s(Kind.MESSAGE, "Fixed calc.py.", null, null),
                s(Kind.RESULT, "Fixed calc.py.", null, null),
                s(Kind.ERROR, "rate limited", null, null));
    }

    @Test
    void cursorStreamJson() throws IOException {
        assertThat(parse(new Cursor(), "cursor.jsonl")).containsExactly(
                s(Kind.MESSAGE, "Checking the tests.", null, null),
                s(Kind.COMMAND, "make test", "shell", 2),
                s(Kind.TOOL_CALL, "{\"path\":\"calc.py\"}", "read", null),
                s(Kind.TOOL_RESULT, "{\"content\":\"def add(a, b):\\n    return a - b\\n\",\"totalLines\":2}", "read", null),
                s(Kind.MESSAGE, "Fixed add().", null, null),
                s(Kind.RESULT, "Fixed add().", null, null));
    }

    @Test
    void kiroPlainTextLosesItsTerminalEscapes() throws IOException {
        assertThat(parse(new Kiro(), "kiro.txt")).containsExactly(
                s(Kind.MESSAGE, "> I will read calc.py first.", null, null),
                s(Kind.MESSAGE, "Using tool: fs_read", null, null),
                s(Kind.MESSAGE, "Reading file: /mnt/workspace/calc.py", null, null),
                s(Kind.MESSAGE, "> The add function subtracts; fixed it.", null, null));
    }

    @Test
    void customStepsAndPlainLines() throws IOException {
        assertThat(parse(new Custom(), "custom.jsonl")).containsExactly(
                s(Kind.MESSAGE, "starting my agent", null, null),
                s(Kind.COMMAND, "pytest -q", null, 1),
                s(Kind.TOOL_CALL, "{\"path\":\"calc.py\"}", "read", null),
                s(Kind.MESSAGE, "{\"type\":\"step\",\"kind\":\"no_such_kind\",\"text\":\"x\"}", null, null),
                s(Kind.RESULT, "all green", null, null),
                s(Kind.MESSAGE, "{\"type\":\"step\",\"kind\":\"error\",\"text\":\"oops\"", null, null),
                s(Kind.MESSAGE, "{\"not\":\"a step\"}", null, null));
    }
}
