package dev.berth.server.gateway.model;

import static dev.berth.server.testing.FakeModelApi.A_CACHE_READ;
import static dev.berth.server.testing.FakeModelApi.A_CACHE_WRITE;
import static dev.berth.server.testing.FakeModelApi.A_INPUT;
import static dev.berth.server.testing.FakeModelApi.A_OUTPUT;
import static dev.berth.server.testing.FakeModelApi.O_CACHED;
import static dev.berth.server.testing.FakeModelApi.O_COMPLETION;
import static dev.berth.server.testing.FakeModelApi.O_PROMPT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import dev.berth.api.model.Budget;
import dev.berth.api.model.SessionState;
import dev.berth.api.model.UsageLine;
import dev.berth.api.model.UsageReport;
import dev.berth.sandbox.spi.ResourceLimits;
import dev.berth.server.audit.AuditEvent;
import dev.berth.server.gateway.GatewayConfig;
import dev.berth.server.gateway.GatewayServer;
import dev.berth.server.gateway.GatewaySession;
import dev.berth.server.gateway.GatewayTags;
import dev.berth.server.lifecycle.Lifetime;
import dev.berth.server.store.ModelCallRecord;
import dev.berth.server.store.SessionRecord;
import dev.berth.server.store.SqliteStore;
import dev.berth.server.testing.FakeModelApi;
import dev.berth.server.testing.GatewayTap;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model gateway between a sandbox (driven through {@link GatewayTap}, as its shim would) and a
 * model API on loopback ({@link FakeModelApi}) that speaks Anthropic Messages, OpenAI Chat
 * Completions and Gemini, streaming and not.
 */
class ModelGatewayTest {
    private static final String ANTHROPIC_KEY = "sk-ant-real-key-0001";
    private static final String OPENAI_KEY = "sk-proj-real-key-0002";
    private static final String GEMINI_KEY = "AIza-real-key-0003";
    private static final String SESSION = "s-1";

    @TempDir
    Path dir;
    private FakeModelApi upstream;
    private SqliteStore store;
    private GatewayServer gateway;
    private GatewayTap tap;
    private String placeholder;
    private ModelUsage usage;
    private final List<AuditEvent> audit = new CopyOnWriteArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws Exception {
        upstream = new FakeModelApi();
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort(); // nothing listens there once closed: an upstream that is down
        }
        store = new SqliteStore(dir.resolve("berth.db"));
        Instant now = Instant.now();
        store.insertSession(new SessionRecord(SESSION, SessionState.RUNNING, null, "test", now, now,
                new ResourceLimits(1 << 30, 1000, 100), Map.of(), new Lifetime(null, null, null), 0, "coder@3", "alice", List.of(), null, "user"));
        GatewayTags tags = GatewayTags.loadOrCreate(dir.resolve("tag.key"));
        placeholder = tags.modelKey(SESSION);
        GatewayConfig config = Json.mapper().convertValue(Map.of(
                "models", Map.of(
                        "anthropic", Map.of("kind", "anthropic", "upstream", upstream.uri().toString(), "secret", "anthropic-key"),
                        "openai", Map.of("kind", "openai", "upstream", upstream.uri() + "/", "secret", "openai-key"),
                        "gemini", Map.of("kind", "gemini", "upstream", upstream.uri().toString(), "secret", "gemini-key"),
                        "down", Map.of("kind", "anthropic", "upstream", "http://127.0.0.1:" + closedPort, "secret", "anthropic-key")),
                "prices", Map.of(
                        "claude-sonnet-4-5", Map.of("input", 3, "output", 15, "cacheRead", 0.3, "cacheWrite", 3.75),
                        "gpt-4o", Map.of("input", 2.5, "output", 10, "cacheRead", 1.25))), GatewayConfig.class);
        Map<String, String> secrets = Map.of("anthropic-key", ANTHROPIC_KEY, "openai-key", OPENAI_KEY, "gemini-key", GEMINI_KEY);
        usage = new ModelUsage(store, Clock.systemUTC());
        ModelGateway models = new ModelGateway(config, name -> Optional.ofNullable(secrets.get(name))
                .map(s -> s.getBytes(StandardCharsets.UTF_8)), usage, audit::add);
        gateway = new GatewayServer(dir.resolve("gateway.sock"),
                tag -> tags.sessionOf(tag).map(id -> new GatewaySession(id, "alice", "coder@3", tags.modelKey(id))),
                List.of(new GatewayServer.Mount(ModelGateway.PREFIX, models)), null);
        gateway.start();
        tap = new GatewayTap(gateway.socket(), tags.connectionTag(SESSION));
    }

    @AfterEach
    void stop() throws Exception {
        tap.close();
        gateway.close();
        upstream.close();
        usage.close();
        store.close();
    }

    private HttpResponse<byte[]> post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(tap.uri().resolve(path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private HttpResponse<byte[]> anthropic(boolean stream, String... headers) throws Exception {
        String[] all = new String[headers.length + 4];
        all[0] = "x-api-key";
        all[1] = placeholder;
        all[2] = "anthropic-version";
        all[3] = "2023-06-01";
        System.arraycopy(headers, 0, all, 4, headers.length);
        return post("/model/anthropic/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":64,\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}", all);
    }

    private List<ModelCallRecord> calls(int n) {
        await().until(() -> store.modelCalls(SESSION, null).size() >= n);
        return store.modelCalls(SESSION, null);
    }

    private static JsonNode json(byte[] body) throws Exception {
        return Json.mapper().readTree(body);
    }

    private static BigDecimal perMillion(long tokens, String price) {
        return new BigDecimal(price).multiply(BigDecimal.valueOf(tokens)).divide(BigDecimal.valueOf(1_000_000));
    }

    private static final BigDecimal ANTHROPIC_COST = perMillion(A_INPUT, "3").add(perMillion(A_OUTPUT, "15"))
            .add(perMillion(A_CACHE_READ, "0.3")).add(perMillion(A_CACHE_WRITE, "3.75"));
    private static final BigDecimal OPENAI_COST = perMillion(O_PROMPT - O_CACHED, "2.5")
            .add(perMillion(O_COMPLETION, "10")).add(perMillion(O_CACHED, "1.25"));

    @Test
    void anAnthropicCallReachesTheUpstreamWithTheRealKeyAndComesBackAsSent() throws Exception {
        HttpResponse<byte[]> r = anthropic(false, "X-Berth-Agent", "planner");
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        assertThat(r.body()).isEqualTo(upstream.lastSent());
        assertThat(r.headers().firstValue("request-id")).hasValue("req_fake_1");
        FakeModelApi.Received got = upstream.last();
        assertThat(got.header("x-api-key")).isEqualTo(ANTHROPIC_KEY);
        assertThat(got.header("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(got.headers()).noneMatch(h -> h.getValue().contains(placeholder))
                .noneMatch(h -> h.is("X-Berth-Agent"));
        assertThat(got.json().path("model").asText()).isEqualTo("claude-sonnet-4-5");

        ModelCallRecord c = calls(1).getFirst();
        assertThat(c).extracting(ModelCallRecord::sessionId, ModelCallRecord::owner, ModelCallRecord::agent,
                        ModelCallRecord::provider, ModelCallRecord::model, ModelCallRecord::status)
                .containsExactly(SESSION, "alice", "planner", "anthropic", FakeModelApi.ANTHROPIC_MODEL, 200);
        assertThat(List.of(c.inputTokens(), c.outputTokens(), c.cacheReadTokens(), c.cacheWriteTokens()))
                .containsExactly(A_INPUT, A_OUTPUT, A_CACHE_READ, A_CACHE_WRITE);
        assertThat(c.costUsd()).isEqualByComparingTo(ANTHROPIC_COST).isEqualByComparingTo("0.0004725");

        await().until(() -> audit.stream().anyMatch(e -> e.action().equals("model.call")));
        AuditEvent e = audit.stream().filter(a -> a.action().equals("model.call")).findFirst().orElseThrow();
        assertThat(e).extracting(AuditEvent::principal, AuditEvent::authMethod, AuditEvent::session,
                        AuditEvent::resource, AuditEvent::outcome)
                .containsExactly("alice", "gateway", SESSION, "model/anthropic/" + FakeModelApi.ANTHROPIC_MODEL, "ok");
        assertThat(e.details()).containsEntry("costUsd", "0.0004725").containsEntry("agent", "planner")
                .containsKeys("tokens", "latencyMs");
        assertThat(e.toString()).doesNotContain(ANTHROPIC_KEY).doesNotContain(placeholder).doesNotContain("Hello");
    }

    @Test
    void anAnthropicStreamPassesEventByEventUnchangedAndIsMeteredFromItsEvents() throws Exception {
        CountDownLatch sawFirstDelta = new CountDownLatch(1);
        upstream.pauseStreamsUntil(sawFirstDelta);
        HttpRequest req = HttpRequest.newBuilder(tap.uri().resolve("/model/anthropic/v1/messages"))
                .header("Authorization", "Bearer " + placeholder).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"claude-sonnet-4-5\",\"stream\":true}")).build();
        HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try (InputStream in = r.body()) {
            byte[] buf = new byte[8192];
            // the upstream holds the rest back until the client has the first delta: a buffering gateway would stall here
            while (!got.toString(StandardCharsets.UTF_8).contains("content_block_delta")) {
                int n = in.read(buf);
                assertThat(n).as("stream ended before the first delta").isPositive();
                got.write(buf, 0, n);
            }
            sawFirstDelta.countDown();
            in.transferTo(got);
        }
        assertThat(upstream.pauseWasReleased()).isTrue();
        assertThat(got.toByteArray()).isEqualTo(upstream.lastSent());
        assertThat(upstream.last().header("x-api-key")).isEqualTo(ANTHROPIC_KEY);
        assertThat(upstream.last().header("Authorization")).isNull();

        ModelCallRecord c = calls(1).getFirst();
        assertThat(List.of(c.inputTokens(), c.outputTokens(), c.cacheReadTokens(), c.cacheWriteTokens()))
                .containsExactly(A_INPUT, A_OUTPUT, A_CACHE_READ, A_CACHE_WRITE);
        assertThat(c.agent()).isEqualTo("coder"); // the runtime's name when the agent does not name itself
        assertThat(c.costUsd()).isEqualByComparingTo(ANTHROPIC_COST);
    }

    @Test
    void openAiCallsAndStreamsThatAskForUsagePassUnchanged() throws Exception {
        HttpResponse<byte[]> plain = post("/model/openai/v1/chat/completions",
                "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}",
                "Authorization", "Bearer " + placeholder);
        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(plain.body()).isEqualTo(upstream.lastSent());
        assertThat(upstream.last().header("Authorization")).isEqualTo("Bearer " + OPENAI_KEY);

        String asked = "{\"model\":\"gpt-4o\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[]}";
        HttpResponse<byte[]> streamed = post("/model/openai/v1/chat/completions", asked, "Authorization", "Bearer " + placeholder);
        assertThat(streamed.body()).isEqualTo(upstream.lastSent());
        assertThat(upstream.last().text()).isEqualTo(asked); // the body passes as sent

        for (ModelCallRecord c : calls(2)) {
            assertThat(c.model()).isEqualTo(FakeModelApi.OPENAI_MODEL);
            assertThat(List.of(c.inputTokens(), c.outputTokens(), c.cacheReadTokens(), c.cacheWriteTokens()))
                    .containsExactly(O_PROMPT - O_CACHED, O_COMPLETION, O_CACHED, 0L);
            assertThat(c.costUsd()).isEqualByComparingTo(OPENAI_COST);
        }
    }

    @Test
    void anOpenAiStreamThatDidNotAskForUsageIsMeteredAndTheClientDoesNotSeeTheExtraChunk() throws Exception {
        HttpResponse<byte[]> r = post("/model/openai/v1/chat/completions",
                "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[]}", "Authorization", "Bearer " + placeholder);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(upstream.last().json().path("stream_options").path("include_usage").asBoolean()).isTrue();
        String sent = new String(upstream.lastSent(), StandardCharsets.UTF_8);
        List<String> events = List.of(sent.split("(?<=\n\n)"));
        List<String> expected = events.stream().filter(ev -> !ev.contains("\"choices\":[],\"usage\":{")).toList();
        assertThat(expected).hasSize(events.size() - 1);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(String.join("", expected));
        ModelCallRecord c = calls(1).getFirst();
        assertThat(List.of(c.inputTokens(), c.outputTokens(), c.cacheReadTokens())).containsExactly(
                O_PROMPT - O_CACHED, O_COMPLETION, O_CACHED);
    }

    @Test
    void aGeminiKeyInTheQueryIsSwappedForTheRealOneInItsHeader() throws Exception {
        HttpResponse<byte[]> r = post("/model/gemini/v1beta/models/gemini-2.0-flash:generateContent?key=" + placeholder
                + "&alt=json", "{\"contents\":[]}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(upstream.lastSent());
        assertThat(upstream.last().query()).isEqualTo("alt=json");
        assertThat(upstream.last().header("x-goog-api-key")).isEqualTo(GEMINI_KEY);
        ModelCallRecord c = calls(1).getFirst();
        assertThat(c.model()).isEqualTo(FakeModelApi.GEMINI_MODEL);
        assertThat(List.of(c.inputTokens(), c.outputTokens(), c.cacheReadTokens())).containsExactly(
                FakeModelApi.G_PROMPT - FakeModelApi.G_CACHED, FakeModelApi.G_CANDIDATES + FakeModelApi.G_THOUGHTS,
                FakeModelApi.G_CACHED);
        assertThat(c.costUsd()).isZero(); // no price configured
    }

    @Test
    void aMissingOrWrongKeyIsRefusedInTheProvidersOwnErrorShape() throws Exception {
        HttpResponse<byte[]> none = post("/model/anthropic/v1/messages", "{}");
        HttpResponse<byte[]> wrong = post("/model/anthropic/v1/messages", "{}", "x-api-key", ANTHROPIC_KEY);
        HttpResponse<byte[]> mixed = post("/model/anthropic/v1/messages", "{}", "x-api-key", placeholder,
                "Authorization", "Bearer sk-other");
        for (HttpResponse<byte[]> r : List.of(none, wrong, mixed)) {
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(json(r.body()).path("type").asText()).isEqualTo("error");
            assertThat(json(r.body()).path("error").path("type").asText()).isEqualTo("gateway_key_invalid");
            assertThat(r.headers().firstValue("x-should-retry")).hasValue("false");
        }
        HttpResponse<byte[]> openai = post("/model/openai/v1/chat/completions", "{}", "Authorization", "Bearer nope");
        assertThat(openai.statusCode()).isEqualTo(401);
        assertThat(json(openai.body()).path("error").path("code").asText()).isEqualTo("gateway_key_invalid");
        assertThat(upstream.received()).isEmpty();
        await().until(() -> audit.stream().filter(e -> e.outcome().equals("denied")).count() == 4);
        assertThat(audit).allMatch(e -> e.action().equals("model.call") && e.principal().equals("alice"));
    }

    @Test
    void anUnknownProviderAndAnUpstreamThatIsDownAreClearErrors() throws Exception {
        HttpResponse<byte[]> unknown = post("/model/mistral/v1/chat", "{}", "Authorization", "Bearer " + placeholder);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown.body()).path("error").path("code").asText()).isEqualTo("model_provider_not_configured");

        HttpResponse<byte[]> down = post("/model/down/v1/messages", "{}", "x-api-key", placeholder);
        assertThat(down.statusCode()).isEqualTo(502);
        assertThat(json(down.body()).path("error").path("type").asText()).isEqualTo("upstream_unavailable");
        assertThat(new String(down.body(), StandardCharsets.UTF_8)).doesNotContain(ANTHROPIC_KEY);
        await().until(() -> audit.stream().anyMatch(e -> e.outcome().equals("error:upstream_unavailable")));
        assertThat(store.modelCalls(SESSION, null)).isEmpty();
    }

    @Test
    void aSpentBudgetStopsFurtherCallsBeforeTheyReachTheUpstream() throws Exception {
        usage.setBudget(SESSION, new Budget(A_INPUT + A_OUTPUT + A_CACHE_READ + A_CACHE_WRITE - 1, null));
        assertThat(anthropic(false).statusCode()).isEqualTo(200); // under budget: it runs, and spends past it
        HttpResponse<byte[]> refused = anthropic(false);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(json(refused.body()).path("error").path("type").asText()).isEqualTo("budget_exhausted");
        assertThat(json(refused.body()).path("error").path("message").asText()).contains("budget of 186 tokens (187 used)");
        assertThat(upstream.received()).hasSize(1);

        usage.setBudget(SESSION, new Budget(null, ANTHROPIC_COST.multiply(BigDecimal.valueOf(2))));
        assertThat(anthropic(false).statusCode()).isEqualTo(200);
        assertThat(anthropic(false).statusCode()).isEqualTo(429); // two calls' cost spent exactly: at the limit
        assertThat(usage.budgetOf(SESSION).exhausted()).isTrue();
        assertThat(usage.budgetOf(SESSION).spentUsd()).isEqualByComparingTo(ANTHROPIC_COST.multiply(BigDecimal.valueOf(2)));

        usage.setBudget(SESSION, new Budget(null, null));
        assertThat(anthropic(false).statusCode()).isEqualTo(200);
        await().until(() -> audit.stream().filter(e -> e.outcome().equals("denied")).count() == 2);
    }

    @Test
    void theReportAddsUpPerSessionAgentAndModel() throws Exception {
        anthropic(false);
        anthropic(true, "X-Berth-Agent", "reviewer");
        anthropic(false);
        post("/model/openai/v1/chat/completions", "{\"model\":\"gpt-4o\"}", "Authorization", "Bearer " + placeholder);
        calls(4);
        UsageReport all = usage.report(null, null, c -> true);
        assertThat(all.lines()).extracting(UsageLine::agent, UsageLine::provider, UsageLine::calls).containsExactly(
                org.assertj.core.groups.Tuple.tuple("coder", "anthropic", 2L),
                org.assertj.core.groups.Tuple.tuple("coder", "openai", 1L),
                org.assertj.core.groups.Tuple.tuple("reviewer", "anthropic", 1L));
        assertThat(all.total().calls()).isEqualTo(4);
        assertThat(all.total().costUsd()).isEqualByComparingTo(ANTHROPIC_COST.multiply(BigDecimal.valueOf(3)).add(OPENAI_COST));
        assertThat(all.total().outputTokens()).isEqualTo(3 * A_OUTPUT + O_COMPLETION);
        assertThat(usage.report(null, Instant.now().plus(Duration.ofHours(1)), c -> true).lines()).isEmpty();
        assertThat(usage.report(null, null, c -> false).total().calls()).isZero();
    }
}
