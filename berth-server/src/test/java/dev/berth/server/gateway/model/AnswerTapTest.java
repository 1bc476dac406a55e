package dev.berth.server.gateway.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The tap reads usage however the upstream's bytes are cut into chunks, and whatever line ends it uses. */
class AnswerTapTest {
    private static final String ANTHROPIC = """
            event: message_start\r
            data: {"type":"message_start","message":{"model":"claude-x","usage":{"input_tokens":7,\r
            data: "cache_read_input_tokens":3,"cache_creation_input_tokens":2,"output_tokens":1}}}\r
            \r
            : a comment, as proxies send to keep a stream open\r
            \r
            event: content_block_delta\r
            data: {"type":"content_block_delta","delta":{"type":"text_delta","text":"usage"}}\r
            \r
            event: message_delta\r
            data: {"type":"message_delta","usage":{"output_tokens":42}}\r
            \r
            """;
    private static final String OPENAI = "data: {\"model\":\"gpt-x\",\"choices\":[{\"delta\":{\"content\":\"a\"}}],\"usage\":null}\n\n"
            + "data: {\"model\":\"gpt-x\",\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":4,"
            + "\"prompt_tokens_details\":{\"cached_tokens\":6}}}\n\n"
            + "data: [DONE]\n\n";

    @Test
    void anthropicEventsSplitAtEveryByteAreMeteredAsWhole() {
        for (int cut = 1; cut <= 7; cut++) {
            AnthropicMeter meter = new AnthropicMeter();
            AnswerTap tap = new AnswerTap(meter, "text/event-stream", false);
            byte[] bytes = ANTHROPIC.getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < bytes.length; i += cut) {
                tap.observe(ByteBuffer.wrap(bytes, i, Math.min(cut, bytes.length - i)));
            }
            tap.end();
            assertThat(meter.model()).isEqualTo("claude-x");
            assertThat(meter.usage()).isEqualTo(new TokenUsage(7, 42, 3, 2));
        }
    }

    @Test
    void theUsageChunkTheGatewayAskedForIsLeftOutWhereverTheChunksAreCut() {
        String expected = OPENAI.replaceAll("data: \\{[^\\n]*\"choices\":\\[\\],[^\\n]*\\n\\n", "");
        assertThat(expected).doesNotContain("prompt_tokens").contains("[DONE]");
        for (int cut = 1; cut <= 50; cut += 7) {
            OpenAiMeter meter = new OpenAiMeter();
            AnswerTap tap = new AnswerTap(meter, "text/event-stream", true);
            byte[] bytes = OPENAI.getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int i = 0; i < bytes.length; i += cut) {
                int n = Math.min(cut, bytes.length - i);
                out.writeBytes(toArray(tap.forward(ByteBuffer.wrap(bytes, i, n), i + n == bytes.length)));
            }
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(expected);
            assertThat(meter.usage()).isEqualTo(new TokenUsage(4, 4, 6, 0));
        }
    }

    @Test
    void aJsonAnswerIsReadAtItsEndAndAnythingElseNotAtAll() {
        OpenAiMeter meter = new OpenAiMeter();
        AnswerTap tap = new AnswerTap(meter, "application/json", false);
        tap.observe(ByteBuffer.wrap("{\"model\":\"gpt-x\",\"usage\":{\"prompt_to".getBytes(StandardCharsets.UTF_8)));
        tap.observe(ByteBuffer.wrap("kens\":5,\"completion_tokens\":2}}".getBytes(StandardCharsets.UTF_8)));
        tap.end();
        assertThat(meter.usage()).isEqualTo(new TokenUsage(5, 2, 0, 0));
        OpenAiMeter none = new OpenAiMeter();
        AnswerTap binary = new AnswerTap(none, "audio/mpeg", false);
        binary.observe(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        binary.end();
        assertThat(none.usage()).isEqualTo(TokenUsage.NONE);
    }

    private static byte[] toArray(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return a;
    }
}
