package dev.berth.server.gateway.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.Json;
import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import dev.berth.server.audit.AuditEvent;
import dev.berth.server.audit.AuditSink;
import dev.berth.server.config.ConfigException;
import dev.berth.server.gateway.GatewayConfig;
import dev.berth.server.gateway.GatewayServer;
import dev.berth.server.gateway.GatewaySession;
import dev.berth.server.secrets.SecretResolver;
import dev.berth.server.store.ModelCallRecord;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The model gateway, mounted at {@code /model}: {@code /model/NAME/REST} goes to provider NAME's
 * upstream at {@code REST} (query kept). The call must present the session's placeholder key where
 * that provider's SDKs put it; the gateway swaps in the real key from the secrets store, refuses
 * the call when the session's budget is spent, streams the request up and the answer back chunk by
 * chunk, unchanged, and meters the answer's own usage fields as they pass. Every call is recorded
 * (store, audit); keys and prompts never are.
 */
public final class ModelGateway extends Handler.Abstract {
    public static final String PREFIX = "/model";
    /** An agent may name itself for usage reports (default: its session's runtime). Not forwarded. */
    public static final String AGENT_HEADER = "X-Berth-Agent";
    private static final System.Logger LOG = System.getLogger(ModelGateway.class.getName());
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade");
    /** Not forwarded either: the client sets them for the upstream connection, or the gateway does. */
    private static final Set<String> REPLACED = Set.of("host", "content-length", "accept-encoding", "expect");
    private static final int MAX_REWRITTEN_BODY = 32 << 20;
    private static final Pattern GEMINI_MODEL = Pattern.compile("/models/([^/:]+)");

    private record Provider(String name, ProviderKind kind, String upstream, String secret) {}

    private final Map<String, Provider> providers = new HashMap<>();
    private final PriceTable prices;
    private final SecretResolver secrets;
    private final ModelUsage usage;
    private final AuditSink audit;
    private final HttpClient http;

    /**
     * @throws ConfigException for a provider of an unknown kind, or without an upstream or a secret
     */
    public ModelGateway(GatewayConfig config, SecretResolver secrets, ModelUsage usage, AuditSink audit) {
        config.models().forEach((name, m) -> {
            ProviderKind kind = ProviderKind.parse(m.kind());
            if (kind == null) {
                throw new ConfigException("model provider " + name + ": kind must be anthropic, openai or gemini, not " + m.kind());
            }
            if (m.upstream() == null || !m.upstream().matches("https?://.+")) {
                throw new ConfigException("model provider " + name + ": upstream must be an http(s) URL, not " + m.upstream());
            }
            if (m.secret() == null || m.secret().isBlank()) {
                throw new ConfigException("model provider " + name + ": name the secret that holds its API key");
            }
            String upstream = m.upstream().endsWith("/") ? m.upstream().substring(0, m.upstream().length() - 1) : m.upstream();
            providers.put(name, new Provider(name, kind, upstream, m.secret()));
        });
        this.prices = new PriceTable(config.prices());
        this.secrets = secrets;
        this.usage = usage;
        this.audit = audit;
        http = new HttpClient(); // HTTP/1.1, TLS with the JDK's trusted CAs
        http.setFollowRedirects(false);
        http.setUserAgentField(null); // the SDK's own User-Agent is forwarded
        http.getContentDecoderFactories().clear(); // bytes pass as sent (and the gateway asks for them unencoded)
        http.setConnectTimeout(10_000);
        http.setIdleTimeout(15 * 60_000L); // a model may think for minutes before its first byte
        http.setMaxConnectionsPerDestination(512);
        addBean(http);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        GatewaySession session = GatewaySession.of(request);
        String raw = request.getHttpURI().getPath();
        String rest = raw.length() > PREFIX.length() + 1 ? raw.substring(PREFIX.length() + 1) : "";
        int slash = rest.indexOf('/');
        String name = slash < 0 ? rest : rest.substring(0, slash);
        String tail = slash < 0 ? "" : rest.substring(slash);
        String agent = request.getHeaders().get(AGENT_HEADER);
        Call call = new Call(request, response, callback, session, agent != null ? agent : session.runtimeName(), name);
        Provider p = providers.get(name);
        if (p == null) {
            call.refuse(null, ErrorCode.MODEL_PROVIDER_NOT_CONFIGURED, "no model provider " + name
                    + " is configured" + (providers.isEmpty() ? "" : "; there are: " + String.join(", ", providers.keySet().stream().sorted().toList())));
            return true;
        }
        call.kind = p.kind();
        List<String> keys = p.kind().presentedKeys(request.getHeaders(), request.getHttpURI().getQuery());
        if (keys.isEmpty() || !keys.stream().allMatch(k -> same(k, session.modelKey()))) {
            call.refuse(p, ErrorCode.GATEWAY_KEY_INVALID, (keys.isEmpty() ? "no API key" : "not this session's API key")
                    + ": use the placeholder key Berth put in this sandbox's environment");
            return true;
        }
        Optional<String> spent = usage.exhausted(session.sessionId());
        if (spent.isPresent()) {
            call.refuse(p, ErrorCode.BUDGET_EXHAUSTED, spent.get());
            return true;
        }
        Optional<byte[]> secret = secrets.reveal(p.secret());
        if (secret.isEmpty()) {
            call.refuse(p, ErrorCode.SECRET_NOT_FOUND, "the gateway has no secret " + p.secret() + " for model provider "
                    + name + ": an admin sets it with `berth secret set " + p.secret() + "`");
            return true;
        }
        try {
            forward(call, p, tail, new String(secret.get(), StandardCharsets.UTF_8).strip());
        } catch (ApiException e) {
            call.refuse(p, e.code(), e.getMessage());
        } catch (IOException e) {
            callback.failed(e); // the sandbox's client went away while sending its request
        }
        return true;
    }

    private static boolean same(String presented, String expected) {
        return MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
    }

    private void forward(Call call, Provider p, String tail, String key) throws IOException {
        Request request = call.request;
        String query = p.kind().forwardedQuery(request.getHttpURI().getQuery());
        URI target = URI.create(p.upstream() + tail + (query == null ? "" : "?" + query));
        if (p.kind() == ProviderKind.GEMINI) {
            Matcher m = GEMINI_MODEL.matcher(tail);
            call.requestedModel = m.find() ? m.group(1) : null;
        }
        String contentType = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        org.eclipse.jetty.client.Request.Content body = null;
        boolean hasBody = request.getLength() > 0 || request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
        if (hasBody && p.kind() == ProviderKind.OPENAI && tail.endsWith("/chat/completions") && "POST".equals(request.getMethod())) {
            body = new BytesRequestContent(contentType, chatCompletion(call, request));
        } else if (hasBody) {
            body = new ForwardedBody(request, contentType, request.getLength());
        }
        org.eclipse.jetty.client.Request up = http.newRequest(target).method(request.getMethod())
                .idleTimeout(http.getIdleTimeout(), TimeUnit.MILLISECONDS)
                .headers(h -> {
                    copyHeaders(request.getHeaders(), h, p.kind());
                    h.put(HttpHeader.ACCEPT_ENCODING, "identity"); // readable usage; model answers are small
                    p.kind().putKey(h, key);
                });
        if (body != null) {
            up.body(body);
        }
        call.upstream = up;
        up.onResponseContentSource((r, source) -> call.answer(r, source));
        up.send(result -> {
            if (result.isFailed() && !call.answered.get()) {
                call.unanswered(result.getFailure());
                return;
            }
            if (!result.isFailed()) {
                call.answer(result.getResponse(), null); // an answer without content (or it was already under way)
            }
            call.exchangeDone();
        });
    }

    /**
     * An OpenAI chat completion's body, as sent or, for a stream that did not ask for its usage,
     * asking for it ({@code stream_options.include_usage}): the gateway then leaves the extra chunk out.
     */
    private static byte[] chatCompletion(Call call, Request request) throws IOException {
        byte[] bytes;
        try (InputStream in = Content.Source.asInputStream(request)) {
            bytes = in.readNBytes(MAX_REWRITTEN_BODY + 1);
        }
        if (bytes.length > MAX_REWRITTEN_BODY) {
            throw new ApiException(ErrorCode.PAYLOAD_TOO_LARGE,
                    "a chat completion request is limited to " + MAX_REWRITTEN_BODY + " bytes here");
        }
        JsonNode n;
        try {
            n = Json.mapper().readTree(bytes);
        } catch (IOException notJson) {
            return bytes; // the upstream will say what is wrong with it
        }
        if (!(n instanceof ObjectNode o)) {
            return bytes;
        }
        call.requestedModel = o.path("model").isTextual() ? o.path("model").asText() : null;
        if (!o.path("stream").asBoolean(false) || o.path("stream_options").path("include_usage").asBoolean(false)) {
            return bytes;
        }
        JsonNode options = o.path("stream_options");
        (options instanceof ObjectNode so ? so : o.putObject("stream_options")).put("include_usage", true);
        call.askedForUsage = true;
        return Json.mapper().writeValueAsBytes(o);
    }

    private static void copyHeaders(HttpFields from, HttpFields.Mutable to, ProviderKind kind) {
        Set<String> named = connectionTokens(from);
        for (HttpField f : from) {
            String n = f.getLowerCaseName();
            if (!HOP_BY_HOP.contains(n) && !named.contains(n) && !REPLACED.contains(n) && !kind.isKeyHeader(n)
                    && !n.equalsIgnoreCase(AGENT_HEADER)) {
                to.add(f);
            }
        }
    }

    private static Set<String> connectionTokens(HttpFields headers) {
        Set<String> named = new java.util.HashSet<>();
        for (String v : headers.getValuesList(HttpHeader.CONNECTION)) {
            for (String t : v.split(",")) {
                named.add(t.strip().toLowerCase(Locale.ROOT));
            }
        }
        return named;
    }

    /** One model call through the gateway, from its arrival to its record. */
    private final class Call {
        final Request request;
        final Response response;
        final Callback callback;
        final GatewaySession session;
        final String agent;
        final String providerName;
        final long started = System.nanoTime();
        final AtomicBoolean answered = new AtomicBoolean();
        /**
         * The answer passed on, and the upstream exchange complete (so the client has read all of the
         * sandbox's request): only then may the connection carry the next request. A request whose
         * body is still being read when its call ends makes the server close the connection.
         */
        private final java.util.concurrent.atomic.AtomicInteger toFinish = new java.util.concurrent.atomic.AtomicInteger(2);
        ProviderKind kind;
        String requestedModel;
        boolean askedForUsage;
        org.eclipse.jetty.client.Request upstream;
        UsageMeter meter;

        Call(Request request, Response response, Callback callback, GatewaySession session, String agent, String providerName) {
            this.request = request;
            this.response = response;
            this.callback = callback;
            this.session = session;
            this.agent = agent;
            this.providerName = providerName;
        }

        /** Answers the call with the gateway's own error (in the provider's shape when there is one) and audits it. */
        void refuse(Provider p, ErrorCode code, String message) {
            boolean denied = code == ErrorCode.GATEWAY_KEY_INVALID || code == ErrorCode.BUDGET_EXHAUSTED
                    || code == ErrorCode.MODEL_PROVIDER_NOT_CONFIGURED;
            audit(requestedModel, denied ? "denied" : "error:" + code.code(), Map.of("reason", message));
            if (p == null) {
                GatewayServer.error(response, callback, code, message);
                return;
            }
            response.setStatus(code.httpStatus());
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            if (code != ErrorCode.UPSTREAM_UNAVAILABLE) {
                response.getHeaders().put("x-should-retry", "false"); // the SDKs' own retries would only be refused again
            }
            response.write(true, ByteBuffer.wrap(p.kind().errorBytes(code, message)), callback);
        }

        /** The upstream answered: its status and headers now, its body as it comes. */
        void answer(org.eclipse.jetty.client.Response r, Content.Source source) {
            if (!answered.compareAndSet(false, true)) {
                return;
            }
            meter = kind.meter();
            AnswerTap tap = new AnswerTap(meter, r.getHeaders().get(HttpHeader.CONTENT_TYPE), askedForUsage);
            response.setStatus(r.getStatus());
            Set<String> named = connectionTokens(r.getHeaders());
            for (HttpField f : r.getHeaders()) {
                String n = f.getLowerCaseName();
                if (!HOP_BY_HOP.contains(n) && !named.contains(n)
                        && !(tap.dropsUsageChunk() && n.equals("content-length"))) {
                    response.getHeaders().add(f);
                }
            }
            Callback end = Callback.from(() -> ended(r.getStatus(), null), x -> ended(r.getStatus(), x));
            if (source == null) {
                response.write(true, null, end);
            } else {
                new Pump(source, response, tap, end).iterate();
            }
        }

        /** One of the two ends of a call that succeeded (see {@link #toFinish}). */
        void exchangeDone() {
            if (toFinish.decrementAndGet() == 0) {
                callback.succeeded();
            }
        }

        /** The upstream could not be reached, or failed before it answered. */
        void unanswered(Throwable failure) {
            if (!answered.compareAndSet(false, true)) {
                return;
            }
            LOG.log(System.Logger.Level.DEBUG, () -> "model upstream " + providerName + " failed: " + failure);
            Provider p = providers.get(providerName);
            if (response.isCommitted()) {
                callback.failed(failure);
                return;
            }
            refuse(p, ErrorCode.UPSTREAM_UNAVAILABLE, "model provider " + providerName + " did not answer: "
                    + (failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage()));
        }

        /** The answer has been passed on (or broke off): count it, let the connection go on, then record it. */
        void ended(int status, Throwable failure) {
            if (failure != null && upstream != null) {
                upstream.abort(failure); // the client went away: stop the upstream too (and what it costs)
            }
            String model = meter.model() != null ? meter.model() : requestedModel;
            TokenUsage t = meter.usage();
            long latencyMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            ModelCallRecord rec = new ModelCallRecord(usage.now(), session.sessionId(), session.owner(), agent,
                    providerName, model, t.input(), t.output(), t.cacheRead(), t.cacheWrite(), latencyMs,
                    prices.cost(model, t), status);
            usage.count(rec); // before the connection may carry the next call, whose budget check must see this one
            if (failure == null) {
                exchangeDone();
            } else {
                callback.failed(failure);
            }
            Thread.ofVirtual().name("model-usage").start(() -> {
                try {
                    usage.save(rec);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "cannot store a model call of session " + rec.sessionId(), e);
                }
                Map<String, Object> details = new LinkedHashMap<>();
                details.put("tokens", Map.of("input", t.input(), "output", t.output(), "cacheRead", t.cacheRead(),
                        "cacheWrite", t.cacheWrite()));
                details.put("costUsd", rec.costUsd().toPlainString());
                details.put("latencyMs", latencyMs);
                details.put("status", status);
                if (!prices.prices(model)) {
                    details.put("unpriced", true);
                }
                audit(model, failure == null ? "ok" : "error:" + ErrorCode.UPSTREAM_UNAVAILABLE.code(), details);
            });
        }

        private void audit(String model, String outcome, Map<String, Object> details) {
            Map<String, Object> d = new LinkedHashMap<>(details);
            if (agent != null) {
                d.put("agent", agent);
            }
            String resource = "model/" + providerName + (model == null ? "" : "/" + model);
            audit.record(AuditEvent.draft(session.owner(), "gateway",
                    Request.getRemoteAddr(request) + ":" + Request.getRemotePort(request), session.sessionId(), resource,
                    "model.call", outcome, d));
        }
    }
}
