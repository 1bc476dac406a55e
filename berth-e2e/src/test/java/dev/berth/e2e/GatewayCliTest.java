package dev.berth.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.berth.api.Json;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway as a user meets it, through the real CLI and a real server: a key set with `berth
 * secret`, an agent in a sandbox calling a model API the way an SDK does (plain and streamed), the
 * calls metered by `berth usage`, a budget that stops them, and egress through the proxy audited.
 */
@Timeout(300)
class GatewayCliTest {
    private static final String KEY = "sk-ant-e2e-0123456789abcdef0123";
    /** What the fake Anthropic API streams, event for event as the real one frames them. */
    private static final String STREAM = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_2","type":"message","role":"assistant","model":"claude-test","content":[],"usage":{"input_tokens":20,"cache_read_input_tokens":5,"output_tokens":1}}}

            event: content_block_start
            data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":0}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":7}}

            event: message_stop
            data: {"type":"message_stop"}

            """;

    @TempDir
    static Path data;
    @TempDir
    static Path etc;
    static Cli admin;
    static ServerProcess server;
    static HttpServer upstream;
    static HttpServer allowed;
    static final List<String> keysSeen = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        upstream.createContext("/v1/messages", x -> {
            keysSeen.add(String.valueOf(x.getRequestHeaders().getFirst("x-api-key")));
            boolean stream = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).contains("\"stream\":true");
            byte[] b = (stream ? STREAM : """
                    {"id":"msg_1","type":"message","role":"assistant","model":"claude-test","content":[{"type":"text","text":"hi"}],\
                    "stop_reason":"end_turn","usage":{"input_tokens":10,"output_tokens":2}}""").getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", stream ? "text/event-stream" : "application/json");
            x.sendResponseHeaders(200, b.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(b);
            }
        });
        upstream.start();
        allowed = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        allowed.createContext("/", x -> {
            byte[] b = "package index".getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, b.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(b);
            }
        });
        allowed.start();
        Path config = Files.writeString(etc.resolve("gateway.toml"), """
                [models.anthropic]
                kind = "anthropic"
                upstream = "http://127.0.0.1:%d"
                secret = "anthropic-key"

                [prices.claude-test]
                input = 3.0
                output = 15.0
                cache_read = 0.3
                cache_write = 3.75
                """.formatted(upstream.getAddress().getPort()));
        admin = new Cli(data, Map.of());
        server = ServerProcess.start(admin, data, 0, "--gateway-config", config.toString(),
                "--secrets-key-file", etc.resolve("secrets.key").toString());
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            for (JsonNode s : Json.mapper().readTree(admin.run("session", "ls", "--json").stdout())) {
                admin.run("session", "rm", s.get("id").asText());
            }
            server.close();
        }
        if (upstream != null) {
            upstream.stop(0);
            allowed.stop(0);
        }
    }

    private static String call(boolean stream) {
        return "curl -sS --max-time 20 \"$ANTHROPIC_BASE_URL/v1/messages\" -H \"x-api-key: $ANTHROPIC_API_KEY\""
                + " -H 'anthropic-version: 2023-06-01' -H 'content-type: application/json'"
                + " -d '{\"model\":\"claude-test\",\"max_tokens\":16," + (stream ? "\"stream\":true," : "")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'";
    }

    @Test
    void anAgentCallsAModelThroughTheGatewayMeteredAndBudgeted() throws Exception {
        int port = allowed.getAddress().getPort();
        assertThat(admin.run((KEY + "\n").getBytes(StandardCharsets.UTF_8), "secret", "set", "anthropic-key", "--from-stdin")
                .exit()).isZero();
        Cli.Result created = admin.run("session", "create", "agent", "--allow-domain", "127.0.0.1:" + port);
        assertThat(created.exit()).as(created.stderr()).isZero();

        Cli.Result plain = admin.run("run", "agent", "--", "sh", "-c", call(false));
        assertThat(plain.exit()).as(plain.stderr()).isZero();
        assertThat(plain.stdout()).contains("\"text\":\"hi\"");
        Cli.Result streamed = admin.run("run", "agent", "--", "sh", "-c", call(true));
        assertThat(streamed.exit()).as(streamed.stderr()).isZero();
        assertThat(streamed.stdout()).isEqualTo(STREAM); // event for event, byte for byte
        assertThat(keysSeen).containsExactly(KEY, KEY);

        // 10 + 2 tokens, then 20 + 7 + 5 read from the cache: exactly, at the configured prices
        JsonNode usage = Json.mapper().readTree(admin.run("usage", "--session", "agent", "--json").stdout());
        JsonNode total = usage.get("total");
        assertThat(total.get("calls").asLong()).isEqualTo(2);
        assertThat(total.get("inputTokens").asLong()).isEqualTo(30);
        assertThat(total.get("outputTokens").asLong()).isEqualTo(9);
        assertThat(total.get("cacheReadTokens").asLong()).isEqualTo(5);
        assertThat(total.get("costUsd").decimalValue()).isEqualByComparingTo("0.0002265");
        assertThat(admin.run("usage", "--session", "agent").stdout()).contains("claude-test").contains("0.0002265");

        assertThat(admin.run("usage", "budget", "agent", "--tokens", "40").exit()).isZero();
        Cli.Result refused = admin.run("run", "agent", "--", "sh", "-c", call(false));
        assertThat(refused.stdout()).contains("budget_exhausted");
        assertThat(keysSeen).hasSize(2);

        // egress: the allowed host through the proxy, nothing else
        Cli.Result tunnel = admin.run("run", "agent", "--", "sh", "-c",
                "curl -sS --noproxy '' --max-time 10 -p -x \"$HTTPS_PROXY\" http://127.0.0.1:" + port + "/");
        assertThat(tunnel.stdout()).isEqualTo("package index");
        Cli.Result denied = admin.run("run", "agent", "--", "sh", "-c",
                "curl -sS --noproxy '' --max-time 10 -p -x \"$HTTPS_PROXY\" http://127.0.0.1:" + upstream.getAddress().getPort() + "/");
        assertThat(denied.exit()).isNotZero();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String net = admin.run("audit", "ls", "--session", "agent", "--action", "network.").stdout();
            assertThat(net).contains("network.connect").contains("denied").contains("net/127.0.0.1:" + port);
            String model = admin.run("audit", "ls", "--session", "agent", "--action", "model.call").stdout();
            assertThat(model).contains("model/anthropic/claude-test").contains("denied");
            assertThat(net + model).doesNotContain(KEY);
        });
    }
}
