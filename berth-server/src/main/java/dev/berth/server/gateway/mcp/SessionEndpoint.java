package dev.berth.server.gateway.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import dev.berth.api.model.ErrorCode;
import dev.berth.server.gateway.GatewaySession;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.schema.JsonSchemaValidator;
import io.modelcontextprotocol.server.McpAsyncServer;
import io.modelcontextprotocol.server.McpAsyncServerExchange;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.HttpHeaders;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * The MCP endpoint of one sandbox session: an SDK server with its own Streamable HTTP transport, so
 * that MCP sessions (and their ids) of one sandbox mean nothing to another's. It offers every
 * upstream tool under its prefixed name; the ones the session's runtime may not use are hidden
 * from {@code tools/list} and refused when called. Each {@code tools/call} is known by its MCP
 * session and JSON-RPC id while it runs (the gateway reads the request before the SDK does), so
 * that the client's {@code notifications/cancelled} can stop it.
 */
final class SessionEndpoint implements AutoCloseable {
    /** Upstream results were validated by the upstream and its SDK client; the gateway passes them on as they are. */
    private static final JsonSchemaValidator PASS_THROUGH = (schema, content) ->
            JsonSchemaValidator.ValidationResponse.asValid(null);

    /** The largest JSON-RPC message a sandbox may send (the gateway reads each before the SDK does). */
    static final int MAX_BODY = 8 << 20;

    /** The request attribute, and transport context key, under which a tool call finds its {@link Call}. */
    static final String CALL = Call.class.getName();

    /** A {@code tools/call} being answered; {@link #cancel} stops it (and so the upstream call). */
    static final class Call {
        final Sinks.One<Boolean> cancelled = Sinks.one();

        void cancel() {
            cancelled.tryEmitValue(true);
        }
    }

    /** A tool the gateway offers: which upstream has it, under which name. */
    record Entry(Upstream upstream, McpSchema.Tool tool) {
        String prefixed() {
            return ToolPolicy.prefixed(upstream.name(), tool.name());
        }
    }

    private final GatewaySession session;
    private final ToolPolicy policy;
    private final ToolCallAudit audit;
    private final Scheduler results;
    private final HttpServletStreamableServerTransportProvider transport;
    private final McpAsyncServer server;
    private final Map<String, Entry> offered = new ConcurrentHashMap<>();
    private final Map<String, Entry> catalog;
    private final Map<String, Call> calls = new ConcurrentHashMap<>();

    /**
     * @param catalog every upstream tool by prefixed name, as it changes (see {@link #sync})
     * @param results where answers of upstreams that {@linkplain Upstream#answersOnOneThread answer on
     *     one thread} are written to the sandbox's client, off that thread (a hand-off costs some
     *     0.1 ms a call, so the others are written on the thread of their own HTTP exchange)
     */
    SessionEndpoint(GatewaySession session, Map<String, Entry> catalog, ToolPolicy policy, ToolCallAudit audit,
            McpJsonMapper json, ServletConfig servletConfig, Scheduler results) throws ServletException {
        this.session = session;
        this.catalog = catalog;
        this.policy = policy;
        this.audit = audit;
        this.results = results;
        this.transport = HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(json)
                .mcpEndpoint(McpGateway.PATH)
                .keepAliveInterval(Duration.ofMinutes(5))
                .contextExtractor(request -> request.getAttribute(CALL) instanceof Call call
                        ? McpTransportContext.create(Map.of(CALL, call)) : McpTransportContext.EMPTY)
                .build();
        transport.init(servletConfig);
        Cancellation cancellation = new Cancellation(transport, (mcpSession, requestId) -> {
            Call call = calls.get(key(mcpSession, requestId));
            if (call != null) {
                call.cancel();
            }
        });
        this.server = McpServer.async(cancellation)
                .serverInfo("berth-mcp-gateway", "1")
                .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
                .instructions("Tools of the MCP servers this Berth installation offers, named SERVER__TOOL.")
                .jsonMapper(json)
                .jsonSchemaValidator(PASS_THROUGH)
                .validateToolInputs(false)
                .addToolFilter((context, tool) -> Mono.just(allows(tool.name())))
                .requestTimeout(Duration.ofMinutes(30))
                .build();
        sync();
    }

    void service(HttpServletRequest request, HttpServletResponse response) throws ServletException, IOException {
        String mcpSession = request.getHeader(HttpHeaders.MCP_SESSION_ID);
        if (!"POST".equals(request.getMethod()) || mcpSession == null) {
            transport.service(request, response);
            return;
        }
        byte[] body = request.getInputStream().readNBytes(MAX_BODY + 1);
        if (body.length > MAX_BODY) {
            response.sendError(HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE, "an MCP message may have at most "
                    + MAX_BODY + " bytes");
            return;
        }
        JsonNode message;
        try {
            message = Json.mapper().readTree(body);
        } catch (IOException e) {
            message = null; // the SDK answers what is not JSON-RPC
        }
        String key = null;
        if (message != null && message.isObject() && McpSchema.METHOD_TOOLS_CALL.equals(message.path("method").asText())
                && message.hasNonNull("id")) {
            auditUnknown(message.path("params"));
            key = key(mcpSession, Json.mapper().treeToValue(message.get("id"), Object.class));
            Call call = new Call();
            calls.put(key, call);
            request.setAttribute(CALL, call);
        }
        try {
            transport.service(new RequestBody(request, body), response);
        } finally {
            if (key != null) {
                calls.remove(key);
            }
        }
    }

    /** JSON-RPC ids are per MCP session, and a number may come as an Integer or a Long. */
    private static String key(String mcpSession, Object requestId) {
        Object id = requestId instanceof Number n ? (Object) n.longValue() : requestId;
        return mcpSession + "\0" + (id instanceof String ? "s:" : "n:") + id;
    }

    /** Offers what the catalog has now: new and changed tools added, vanished ones removed. */
    synchronized void sync() {
        Set<String> gone = new HashSet<>(offered.keySet());
        gone.removeAll(catalog.keySet());
        for (String name : gone) {
            offered.remove(name);
            server.removeTool(name).onErrorComplete().block();
        }
        for (Entry e : List.copyOf(catalog.values())) {
            Entry had = offered.get(e.prefixed());
            if (had != null && had.upstream() == e.upstream() && had.tool().equals(e.tool())) {
                continue;
            }
            offered.put(e.prefixed(), e);
            server.addTool(specification(e)).onErrorComplete().block();
        }
    }

    private boolean allows(String prefixed) {
        Entry e = offered.get(prefixed);
        return e != null && policy.allows(session.runtimeName(), session.ownerRole(), e.upstream().name(), e.tool().name());
    }

    private McpServerFeatures.AsyncToolSpecification specification(Entry e) {
        McpSchema.Tool t = e.tool();
        McpSchema.Tool renamed = new McpSchema.Tool(e.prefixed(), t.title(), t.description(), t.inputSchema(),
                t.outputSchema(), t.annotations(), t.meta(), t.icons());
        return McpServerFeatures.AsyncToolSpecification.builder()
                .tool(renamed)
                .callHandler((exchange, request) -> call(e, exchange, request))
                .build();
    }

    private Mono<McpSchema.CallToolResult> call(Entry e, McpAsyncServerExchange exchange, McpSchema.CallToolRequest request) {
        long start = System.nanoTime();
        Set<String> redact = e.upstream().config().redact() == null ? Set.of() : Set.copyOf(e.upstream().config().redact());
        Map<String, Object> arguments = request.arguments();
        if (!policy.allows(session.runtimeName(), session.ownerRole(), e.upstream().name(), e.tool().name())) {
            audit.record(session, e.prefixed(), arguments, redact, "denied", System.nanoTime() - start, null,
                    ErrorCode.TOOL_DENIED.code());
            return Mono.error(McpError.builder(McpSchema.ErrorCodes.INVALID_PARAMS)
                    .message(ErrorCode.TOOL_DENIED.code() + ": this session may not call " + e.prefixed())
                    .data(Map.of("code", ErrorCode.TOOL_DENIED.code()))
                    .build());
        }
        Object token = request.meta() == null ? null : request.meta().get("progressToken");
        Upstream.ProgressSink progress = token == null ? null : n -> exchange.progressNotification(
                new McpSchema.ProgressNotification(token, n.progress(), n.total(), n.message(), null));
        Mono<Boolean> cancelled = exchange.transportContext().get(CALL) instanceof Call call
                ? call.cancelled.asMono() : Mono.never();
        Mono<McpSchema.CallToolResult> answer = e.upstream().call(e.tool().name(), arguments, progress)
                .takeUntilOther(cancelled); // the SDK answers nothing then; the upstream was told to stop
        if (e.upstream().answersOnOneThread()) {
            // the SDK writes the answer to the sandbox on the thread that emits it: not on the one
            // thread all of a stdio server's answers come on, which a slow reader would hold up
            answer = answer.publishOn(results);
        }
        return answer
                .doOnSuccess(r -> audit.record(session, e.prefixed(), arguments, redact,
                        r == null ? "error:" + ErrorCode.TOOL_CANCELLED.code() : "ok",
                        System.nanoTime() - start, r == null ? null : Boolean.TRUE.equals(r.isError()), null))
                .onErrorMap(failure -> {
                    ErrorCode code = failure instanceof McpError ? ErrorCode.TOOL_FAILED : ErrorCode.UPSTREAM_UNAVAILABLE;
                    String message = failure instanceof TimeoutException ? "no answer in time"
                            : Objects.requireNonNullElse(failure.getMessage(), failure.getClass().getSimpleName());
                    audit.record(session, e.prefixed(), arguments, redact, "error:" + code.code(),
                            System.nanoTime() - start, null, message);
                    if (failure instanceof McpError upstreamError) {
                        return upstreamError; // the upstream's own JSON-RPC error, passed on unchanged
                    }
                    return McpError.builder(McpSchema.ErrorCodes.INTERNAL_ERROR)
                            .message(code.code() + ": MCP server " + e.upstream().name() + ": " + message)
                            .data(Map.of("code", code.code()))
                            .build();
                });
    }

    /** Audits a call of a name no upstream offers, which the SDK refuses on its own. */
    private void auditUnknown(JsonNode params) {
        String name = params.path("name").asText();
        if (offered.containsKey(name)) {
            return;
        }
        int sep = name.indexOf(ToolPolicy.SEPARATOR);
        McpServerConfig server = sep < 0 ? null : policy.servers().get(name.substring(0, sep));
        Set<String> redact = server == null || server.redact() == null ? Set.of() : Set.copyOf(server.redact());
        @SuppressWarnings("unchecked")
        Map<String, Object> arguments = params.path("arguments").isObject()
                ? Json.mapper().convertValue(params.get("arguments"), Map.class) : Map.of();
        audit.record(session, name, arguments, redact, "error:" + ErrorCode.TOOL_NOT_FOUND.code(), 0, null, null);
    }

    @Override
    public void close() {
        calls.values().forEach(Call::cancel);
        server.closeGracefully().onErrorComplete().block(Duration.ofSeconds(5));
    }
}
