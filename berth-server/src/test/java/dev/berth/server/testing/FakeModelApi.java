package dev.berth.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * A model API on the test's loopback that speaks the wire formats the gateway forwards: Anthropic
 * Messages ({@code POST /v1/messages}) and OpenAI Chat Completions ({@code POST /v1/chat/completions}),
 * as JSON or, with {@code "stream":true}, as server-sent events framed as the real APIs frame them,
 * one write (and flush) per event; and Gemini {@code generateContent}. It records every request it
 * gets (headers, query, body) and answers fixed usage figures ({@code A_INPUT} …).
 */
public final class FakeModelApi implements AutoCloseable {
    /** What the fake's answers say they used. */
    public static final long A_INPUT = 25, A_OUTPUT = 12, A_CACHE_READ = 100, A_CACHE_WRITE = 50;
    public static final long O_PROMPT = 40, O_CACHED = 16, O_COMPLETION = 9;
    public static final long G_PROMPT = 30, G_CACHED = 10, G_CANDIDATES = 7, G_THOUGHTS = 3;
    public static final String ANTHROPIC_MODEL = "claude-sonnet-4-5-20250929";
    public static final String OPENAI_MODEL = "gpt-4o-2024-08-06";
    public static final String GEMINI_MODEL = "gemini-2.0-flash";

    /** One request as the fake received it. */
    public record Received(String method, String path, String query, List<HttpField> headers, byte[] body) {
        public String header(String name) {
            return headers.stream().filter(h -> h.is(name)).map(HttpField::getValue).findFirst().orElse(null);
        }

        public JsonNode json() throws Exception {
            return Json.mapper().readTree(body);
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final Server jetty = new Server();
    private final ServerConnector connector = new ServerConnector(jetty);
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<byte[]> sent = new CopyOnWriteArrayList<>();
    /** When set, a stream pauses after its first content event until this opens (to show it is not buffered). */
    private volatile CountDownLatch pauseAfterFirstDelta;
    private volatile boolean pauseWasReleased;

    public FakeModelApi() throws Exception {
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        jetty.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                serve(request, response, callback);
                return true;
            }
        });
        jetty.start();
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort());
    }

    public List<Received> received() {
        return received;
    }

    public Received last() {
        return received.getLast();
    }

    /** The bytes of the body the fake sent last (its events concatenated). */
    public byte[] lastSent() {
        return sent.getLast();
    }

    /** Streams pause after their first content event until {@code open} is counted down. */
    public void pauseStreamsUntil(CountDownLatch open) {
        pauseAfterFirstDelta = open;
    }

    public boolean pauseWasReleased() {
        return pauseWasReleased;
    }

    private void serve(Request request, Response response, Callback callback) throws Exception {
        byte[] body = org.eclipse.jetty.util.BufferUtil.toArray(Content.Source.asByteBuffer(request));
        received.add(new Received(request.getMethod(), request.getHttpURI().getPath(), request.getHttpURI().getQuery(),
                List.copyOf(request.getHeaders().asImmutable().stream().toList()), body));
        String path = request.getHttpURI().getPath();
        JsonNode in = body.length == 0 ? Json.mapper().createObjectNode() : Json.mapper().readTree(body);
        boolean stream = in.path("stream").asBoolean(false);
        List<String> answer;
        if (path.equals("/v1/messages")) {
            answer = stream ? anthropicEvents() : List.of(anthropicJson());
        } else if (path.equals("/v1/chat/completions")) {
            answer = stream ? openAiChunks(in.path("stream_options").path("include_usage").asBoolean(false))
                    : List.of(openAiJson());
        } else if (path.startsWith("/v1beta/models/" + GEMINI_MODEL + ":generateContent")) {
            answer = List.of(geminiJson());
        } else {
            response.setStatus(404);
            answer = List.of("{\"error\":\"no such fake route " + path + "\"}");
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, stream ? "text/event-stream; charset=utf-8" : "application/json");
        response.getHeaders().put("request-id", "req_fake_1");
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        answer.forEach(s -> all.writeBytes(s.getBytes(StandardCharsets.UTF_8)));
        sent.add(all.toByteArray());
        if (!stream) {
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, all.size());
        }
        CountDownLatch pause = pauseAfterFirstDelta;
        for (int i = 0; i < answer.size(); i++) {
            Content.Sink.write(response, false, ByteBuffer.wrap(answer.get(i).getBytes(StandardCharsets.UTF_8)));
            if (stream && pause != null && answer.get(i).contains("delta")) {
                pauseWasReleased = pause.await(30, TimeUnit.SECONDS);
                pause = null;
            }
        }
        response.write(true, null, callback);
    }

    private static String anthropicJson() {
        return """
                {"id":"msg_01","type":"message","role":"assistant","model":"%s","content":[{"type":"text","text":"Hi there"}],\
                "stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":%d,"cache_creation_input_tokens":%d,\
                "cache_read_input_tokens":%d,"output_tokens":%d}}""".formatted(ANTHROPIC_MODEL, A_INPUT, A_CACHE_WRITE,
                A_CACHE_READ, A_OUTPUT);
    }

    /** The event sequence of a streamed Messages call, as the API frames it. */
    private static List<String> anthropicEvents() {
        return List.of(
                "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":\"message\","
                        + "\"role\":\"assistant\",\"model\":\"" + ANTHROPIC_MODEL + "\",\"content\":[],\"stop_reason\":null,"
                        + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":" + A_INPUT + ",\"cache_creation_input_tokens\":"
                        + A_CACHE_WRITE + ",\"cache_read_input_tokens\":" + A_CACHE_READ + ",\"output_tokens\":1}}}\n\n",
                "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                        + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
                "event: ping\ndata: {\"type\": \"ping\"}\n\n",
                "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                        + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n",
                "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                        + "\"delta\":{\"type\":\"text_delta\",\"text\":\" there\"}}\n\n",
                "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
                "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                        + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":" + A_OUTPUT + "}}\n\n",
                "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    }

    private static String openAiJson() {
        return """
                {"id":"chatcmpl-1","object":"chat.completion","created":1764650000,"model":"%s","choices":[{"index":0,\
                "message":{"role":"assistant","content":"Hi there","refusal":null},"logprobs":null,"finish_reason":"stop"}],\
                "usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d,"prompt_tokens_details":\
                {"cached_tokens":%d,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}},\
                "system_fingerprint":"fp_1"}""".formatted(OPENAI_MODEL, O_PROMPT, O_COMPLETION, O_PROMPT + O_COMPLETION, O_CACHED);
    }

    /** A streamed chat completion: with include_usage every chunk has "usage":null and a usage-only chunk ends it. */
    private static List<String> openAiChunks(boolean includeUsage) {
        String usageNull = includeUsage ? ",\"usage\":null" : "";
        String head = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1764650000,\"model\":\""
                + OPENAI_MODEL + "\",\"system_fingerprint\":\"fp_1\",\"choices\":";
        List<String> chunks = new java.util.ArrayList<>(List.of(
                head + "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]"
                        + usageNull + "}\n\n",
                head + "[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"logprobs\":null,\"finish_reason\":null}]" + usageNull + "}\n\n",
                head + "[{\"index\":0,\"delta\":{\"content\":\" there\"},\"logprobs\":null,\"finish_reason\":null}]" + usageNull + "}\n\n",
                head + "[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]" + usageNull + "}\n\n"));
        if (includeUsage) {
            chunks.add(head + "[],\"usage\":{\"prompt_tokens\":" + O_PROMPT + ",\"completion_tokens\":" + O_COMPLETION
                    + ",\"total_tokens\":" + (O_PROMPT + O_COMPLETION) + ",\"prompt_tokens_details\":{\"cached_tokens\":"
                    + O_CACHED + "}}}\n\n");
        }
        chunks.add("data: [DONE]\n\n");
        return chunks;
    }

    private static String geminiJson() {
        return """
                {"candidates":[{"content":{"parts":[{"text":"Hi there"}],"role":"model"},"finishReason":"STOP"}],\
                "usageMetadata":{"promptTokenCount":%d,"candidatesTokenCount":%d,"cachedContentTokenCount":%d,\
                "thoughtsTokenCount":%d,"totalTokenCount":%d},"modelVersion":"%s"}""".formatted(G_PROMPT, G_CANDIDATES,
                G_CACHED, G_THOUGHTS, G_PROMPT + G_CANDIDATES + G_THOUGHTS, GEMINI_MODEL);
    }

    @Override
    public void close() throws Exception {
        jetty.stop();
    }
}
