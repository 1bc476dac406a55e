package dev.berth.runtimes.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** No harness's parser throws on what a model or a broken CLI may print, and no step's text is unreadably long. */
class HostileOutputTest {
    static final List<String> HOSTILE = List.of(
            "", "   ", "{", "}", "[1,2,3]", "null", "\"just a string\"", "{\"type\":", "{\"type\":null}",
            "{\"type\":42,\"item\":[]}", "{\"type\":\"assistant\",\"message\":\"not an object\"}",
            "{\"type\":\"assistant\",\"message\":{\"content\":{\"type\":\"text\"}}}",
            "{\"type\":\"item.completed\",\"item\":null}", "{\"type\":\"item.completed\",\"item\":{\"type\":\"command_execution\",\"exit_code\":1e400}}",
            "{\"type\":\"tool_call\",\"subtype\":\"completed\",\"tool_call\":{}}",
            "{\"type\":\"tool_call\",\"subtype\":\"completed\",\"tool_call\":[]}",
            "{\"type\":\"tool_use\",\"part\":{\"state\":7}}", "{\"type\":\"step\",\"kind\":null}",
            "{\"type\":\"step\",\"kind\":\"command\",\"exitCode\":\"zero\"}",
            "{\"type\":\"message\",\"role\":\"assistant\",\"content\":{\"x\":1},\"delta\":true}",
            "\u001b[31m\u001b]0;title\u0007red\u001b[0m", "\u0000\u0001\u0002", "\uD83D", "{\"a\":\"\uD83D\"}",
            "{\"type\":\"result\",\"subtype\":\"success\",\"result\":" + "[".repeat(5000) + "}",
            "x".repeat(5_000_000),
            "{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"" + "y".repeat(100_000) + "\"}]}}");

    @Test
    void everyParserSurvivesGarbageAndClipsHugeText() {
        for (String name : Harnesses.names()) {
            StepParser p = Harnesses.named(name).parser();
            List<Step> steps = new ArrayList<>();
            for (String line : HOSTILE) {
                assertThatCode(() -> steps.addAll(p.line(line))).as(name + " on " + line.substring(0, Math.min(60, line.length())))
                        .doesNotThrowAnyException();
            }
            assertThatCode(() -> steps.addAll(p.end())).as(name).doesNotThrowAnyException();
            for (Step s : steps) {
                assertThat(s.kind()).as(name).isNotNull();
                if (s.text() != null) {
                    assertThat(s.text().length()).as(name + ": " + s.kind()).isLessThanOrEqualTo(OutputLines.MAX_TEXT + 1);
                    assertThat(s.text()).as(name).doesNotContain("\u001b", "\u0000");
                }
            }
            assertThat(steps).as(name + ": a huge plain line is still a (clipped) message").anySatisfy(s -> {
                assertThat(s.kind()).isEqualTo(Step.Kind.MESSAGE);
                assertThat(s.text()).startsWith("xxxx").endsWith("…");
            });
        }
    }

    @Test
    void aClippedTextPassesThroughClippingAgainUnchanged() {
        String once = OutputLines.text("z".repeat(10_000));
        assertThat(once).hasSize(OutputLines.MAX_TEXT + 1).endsWith("…");
        assertThat(OutputLines.text(once)).isEqualTo(once);
    }
}
