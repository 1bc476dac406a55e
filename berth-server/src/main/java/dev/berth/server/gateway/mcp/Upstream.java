package dev.berth.server.gateway.mcp;

import dev.berth.server.secrets.SecretResolver;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Function;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * One upstream MCP server, shared by every session: a stdio server the gateway starts on the host,
 * or a remote Streamable HTTP server. Connected on first use; when its process exits or its
 * connection breaks it is started afresh on the next use. Its credentials ({@code secret:NAME}
 * values) are read from the secrets store at each start and go only to the upstream.
 */
final class Upstream implements AutoCloseable {
    /** Variables of the gateway's own environment a stdio server inherits; nothing else of it. */
    static final Set<String> INHERITED_ENV = Set.of("PATH", "HOME", "USER", "LOGNAME", "SHELL", "TERM", "LANG",
            "LC_ALL", "TZ", "TMPDIR");
    static final String SECRET_PREFIX = "secret:";

    /** Where an upstream's progress for one call goes. */
    @FunctionalInterface
    interface ProgressSink extends Function<McpSchema.ProgressNotification, Mono<Void>> {}

    private record Connection(McpAsyncClient client, CallTracking transport) {}

    private final String name;
    private final McpServerConfig config;
    private final SecretResolver secrets;
    private final McpJsonMapper json;
    private final Duration callTimeout;
    private final BiConsumer<Upstream, List<McpSchema.Tool>> onTools;
    private final Map<String, ProgressSink> progress = new ConcurrentHashMap<>();
    private final AtomicLong tokens = new AtomicLong();
    private volatile Connection current;
    private volatile boolean closed;

    /**
     * @param onTools told the server's tool list whenever it is (re)read: after each start and on
     *     the server's {@code notifications/tools/list_changed}
     */
    Upstream(String name, McpServerConfig config, SecretResolver secrets, McpJsonMapper json, Duration callTimeout,
            BiConsumer<Upstream, List<McpSchema.Tool>> onTools) {
        if ((config.command() == null || config.command().isEmpty()) == (config.url() == null)) {
            throw new IllegalArgumentException("MCP server " + name + ": give either command or url");
        }
        this.name = name;
        this.config = config;
        this.secrets = secrets;
        this.json = json;
        this.callTimeout = callTimeout;
        this.onTools = onTools;
    }

    String name() {
        return name;
    }

    McpServerConfig config() {
        return config;
    }

    /**
     * Whether the SDK's transport hands every answer of this server over on one thread, shared by
     * all calls: a stdio server's, whose reader thread emits them. A Streamable HTTP server's
     * answer comes on a thread of its own exchange.
     */
    boolean answersOnOneThread() {
        return config.url() == null;
    }

    /** Starts the server if it is not running, and reads its tools. */
    void ensureStarted() {
        connection();
    }

    /**
     * Calls {@code tool}; cancelling the returned Mono cancels the upstream call
     * ({@code notifications/cancelled}).
     *
     * @param progressSink where the call's progress goes, or null when the caller asked for none
     */
    Mono<McpSchema.CallToolResult> call(String tool, Map<String, Object> arguments, ProgressSink progressSink) {
        return Mono.defer(() -> {
            Connection running = current;
            // starting blocks (process start, initialize): never on a thread of the SDK's own
            Mono<Connection> connected = running != null ? Mono.just(running)
                    : Mono.fromCallable(this::connection).subscribeOn(Schedulers.boundedElastic());
            return connected.flatMap(c -> call(c, tool, arguments, progressSink));
        });
    }

    private Mono<McpSchema.CallToolResult> call(Connection c, String tool, Map<String, Object> arguments,
            ProgressSink progressSink) {
        CallTracking.Call call = new CallTracking.Call();
        Map<String, Object> meta = null;
        String token = null;
        if (progressSink != null) {
            token = "berth-" + tokens.incrementAndGet();
            progress.put(token, progressSink);
            meta = Map.of("progressToken", token);
        }
        String ownToken = token;
        return c.client().callTool(new McpSchema.CallToolRequest(tool, arguments, meta))
                .contextWrite(ctx -> ctx.put(CallTracking.Call.class, call))
                .doOnCancel(() -> c.transport().cancel(call, "cancelled by the client"))
                .doOnError(e -> {
                    if (e instanceof TimeoutException) {
                        c.transport().cancel(call, "timed out at the gateway");
                    } else if (!(e instanceof McpError)) {
                        died(c);
                    }
                })
                .doFinally(s -> {
                    if (ownToken != null) {
                        progress.remove(ownToken);
                    }
                });
    }

    private synchronized Connection connection() {
        if (closed) {
            throw new IllegalStateException("the MCP gateway is closed");
        }
        if (current != null) {
            return current;
        }
        CallTracking transport = new CallTracking(transport());
        McpAsyncClient client = McpClient.async(transport)
                .clientInfo(new McpSchema.Implementation("berth-gateway", "1"))
                .requestTimeout(callTimeout)
                .initializationTimeout(Duration.ofSeconds(30))
                .progressConsumer(this::onProgress)
                .toolsChangeConsumer(tools -> Mono.<Void>fromRunnable(() -> onTools.accept(this, tools))
                        .subscribeOn(Schedulers.boundedElastic()))
                .build();
        try {
            client.initialize().block();
            Connection c = new Connection(client, transport);
            current = c;
            if (transport.delegate() instanceof StdioClientTransport stdio) {
                Thread.ofVirtual().name("mcp-upstream-" + name).start(() -> {
                    stdio.awaitForExit();
                    died(c);
                });
            }
            onTools.accept(this, allTools(client));
            return c;
        } catch (RuntimeException e) {
            current = null;
            client.close();
            throw e;
        }
    }

    private List<McpSchema.Tool> allTools(McpAsyncClient client) {
        List<McpSchema.Tool> tools = new ArrayList<>();
        String cursor = null;
        do {
            McpSchema.ListToolsResult page = client.listTools(cursor).block();
            tools.addAll(page.tools());
            cursor = page.nextCursor();
        } while (cursor != null);
        return tools;
    }

    /** Forgets a connection that broke, so that the next use starts the server again. */
    private void died(Connection c) {
        synchronized (this) {
            if (current != c) {
                return;
            }
            current = null;
        }
        c.client().closeGracefully().onErrorComplete().subscribe();
    }

    private Mono<Void> onProgress(McpSchema.ProgressNotification n) {
        ProgressSink sink = n.progressToken() == null ? null : progress.get(String.valueOf(n.progressToken()));
        return sink == null ? Mono.empty() : sink.apply(n);
    }

    private McpClientTransport transport() {
        if (config.url() != null) {
            Map<String, String> headers = resolved(config.headers());
            URI uri = URI.create(config.url());
            String base = uri.getScheme() + "://" + uri.getRawAuthority();
            String endpoint = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            if (uri.getRawQuery() != null) {
                endpoint += "?" + uri.getRawQuery();
            }
            return HttpClientStreamableHttpTransport.builder(base)
                    .endpoint(endpoint)
                    .jsonMapper(json)
                    .httpRequestCustomizer((builder, method, target, body, context) -> headers.forEach(builder::header))
                    .build();
        }
        List<String> command = config.command();
        // the SDK's stdio transport hands the gateway's whole environment on: `env -u` takes back all
        // but INHERITED_ENV, so that a server (and a tool that prints its environment) sees only its own
        Map<String, String> env = resolved(config.env());
        List<String> argv = new ArrayList<>(List.of("/usr/bin/env"));
        System.getenv().keySet().stream().filter(k -> !INHERITED_ENV.contains(k) && !env.containsKey(k)).sorted()
                .forEach(k -> argv.addAll(List.of("-u", k)));
        argv.addAll(command);
        ServerParameters params = ServerParameters.builder(argv.getFirst()).args(argv.subList(1, argv.size()))
                .env(env).build();
        StdioClientTransport stdio = new StdioClientTransport(params, json);
        stdio.setStdErrorHandler(line -> {}); // a server's own log lines; the gateway does not relay them
        return stdio;
    }

    private Map<String, String> resolved(Map<String, String> values) {
        Map<String, String> out = new LinkedHashMap<>();
        if (values == null) {
            return out;
        }
        values.forEach((k, v) -> {
            if (v != null && v.startsWith(SECRET_PREFIX)) {
                String secret = v.substring(SECRET_PREFIX.length());
                byte[] value = secrets.reveal(secret).orElseThrow(() -> new IllegalStateException(
                        "MCP server " + name + " needs secret " + secret + ", which is not set"));
                out.put(k, new String(value, StandardCharsets.UTF_8));
            } else {
                out.put(k, v);
            }
        });
        return out;
    }

    @Override
    public void close() {
        Connection c;
        synchronized (this) {
            closed = true;
            c = current;
            current = null;
        }
        if (c != null) {
            c.client().closeGracefully().onErrorComplete().block(Duration.ofSeconds(5));
        }
    }
}
