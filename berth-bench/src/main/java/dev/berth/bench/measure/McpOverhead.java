package dev.berth.bench.measure;

import dev.berth.bench.Report;
import dev.berth.bench.Stats;
import dev.berth.server.audit.AuditSink;
import dev.berth.server.gateway.GatewayConfig;
import dev.berth.server.gateway.GatewayServer;
import dev.berth.server.gateway.GatewaySession;
import dev.berth.server.gateway.GatewayTags;
import dev.berth.server.gateway.mcp.McpGateway;
import dev.berth.server.gateway.mcp.McpServerConfig;
import dev.berth.server.testing.GatewayTap;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * What the MCP gateway adds to a tool call: the same {@code echo} call made by the Java SDK's
 * client straight to the upstream server and through the gateway (its unix socket, reached through
 * the loopback relay a sandbox's shim would be, {@link GatewayTap}), interleaved. Two upstreams: a
 * Java SDK server over Streamable HTTP on loopback, and {@code @modelcontextprotocol/server-everything}
 * over stdio when npm has it installed. In process; no Berth server needed:
 * {@code java -cp … dev.berth.bench.measure.McpOverhead [runs]}.
 */
public final class McpOverhead implements Measurement {
    private static final double TARGET_ADDED_MS = 1.0;
    static final Path EVERYTHING = Path.of("/usr/lib/node_modules/@modelcontextprotocol/server-everything/dist/index.js");

    private final int warmup;
    private final int runs;

    public McpOverhead(int warmup, int runs) {
        this.warmup = warmup;
        this.runs = runs;
    }

    public static void main(String[] args) throws Exception {
        Report report = new Report();
        new McpOverhead(200, args.length > 0 ? Integer.parseInt(args[0]) : 2000).run(report);
        System.out.print(report.markdown());
        System.exit(0); // the SDK's stdio client leaves non-daemon threads behind
    }

    @Override
    public String section() {
        return "mcp-overhead";
    }

    @Override
    public void run(Report report) throws Exception {
        Path dir = Files.createTempDirectory("berth-bench-mcp");
        boolean stdio = Files.exists(EVERYTHING);
        List<AutoCloseable> open = new ArrayList<>();
        try {
            Server upstream = echoServer();
            open.add(upstream::stop);
            String url = "http://127.0.0.1:" + ((ServerConnector) upstream.getConnectors()[0]).getLocalPort() + "/mcp";
            Map<String, McpServerConfig> servers = new LinkedHashMap<>();
            servers.put("http", new McpServerConfig(null, null, url, Map.of(), null, null));
            if (stdio) {
                servers.put("everything", new McpServerConfig(List.of("node", EVERYTHING.toString(), "stdio"), null, null,
                        null, null, null));
            }
            McpGateway mcp = new McpGateway(new GatewayConfig.Mcp(servers, null), name -> Optional.empty(), AuditSink.NONE);
            GatewayTags tags = GatewayTags.loadOrCreate(dir.resolve("tag.key"));
            GatewayServer gateway = new GatewayServer(dir.resolve("gateway.sock"),
                    tag -> tags.sessionOf(tag).map(id -> new GatewaySession(id, "bench", null, tags.modelKey(id))),
                    List.of(new GatewayServer.Mount(McpGateway.PATH, mcp)), null);
            gateway.start();
            open.add(gateway);
            GatewayTap tap = new GatewayTap(gateway.socket(), tags.connectionTag("bench"));
            open.add(tap);

            McpSyncClient direct = http(url);
            McpSyncClient via = http(tap.uri() + "/mcp");
            open.add(direct);
            open.add(via);
            Map<String, Interleaved.Action> actions = new LinkedHashMap<>();
            actions.put("Streamable HTTP upstream, direct", () -> echo(direct, "echo"));
            actions.put("Streamable HTTP upstream, via the gateway", () -> echo(via, "http__echo"));
            if (stdio) {
                McpSyncClient directStdio = McpClient.sync(new StdioClientTransport(
                        ServerParameters.builder("node").args(EVERYTHING.toString(), "stdio").build(), McpJsonDefaults.getMapper()))
                        .requestTimeout(Duration.ofSeconds(30)).build();
                directStdio.initialize();
                open.add(directStdio);
                actions.put("stdio upstream (server-everything), direct", () -> echo(directStdio, "echo"));
                actions.put("stdio upstream (server-everything), via the gateway", () -> echo(via, "everything__echo"));
            }
            Map<String, long[]> samples = Interleaved.run(warmup, runs, actions);
            Map<String, Stats> stats = new LinkedHashMap<>();
            samples.forEach((k, v) -> stats.put(k, Stats.ofNanosAsMillis(v)));
            List<List<String>> rows = new ArrayList<>();
            stats.forEach((k, s) -> rows.add(Report.latencyRow(k, s)));
            List<Stats> s = List.copyOf(stats.values());
            List<String> bullets = new ArrayList<>();
            bullets.add(added("Streamable HTTP", s.get(1).p50() - s.get(0).p50()));
            if (stdio) {
                bullets.add(added("stdio", s.get(3).p50() - s.get(2).p50()));
            } else {
                bullets.add("stdio upstream skipped: " + EVERYTHING + " is not installed (scripts/test-deps)");
            }
            report.heading(2, "MCP gateway overhead per tool call")
                    .paragraph(runs + " `tools/call` of an `echo` tool per series after " + warmup + " warm-up calls, "
                            + "interleaved, by the Java SDK's client (sync, one MCP session each). Via the gateway: "
                            + "loopback TCP to a shim-like relay, PROXY v2 header, the gateway's unix socket, the SDK "
                            + "server of the session, the shared upstream client; audit events go to a sink that drops them.")
                    .table(Report.LATENCY_HEADER, rows)
                    .bullets(bullets);
        } finally {
            for (AutoCloseable c : open.reversed()) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // best effort
                }
            }
        }
    }

    private static String added(String upstream, double ms) {
        return "added by the gateway, " + upstream + " upstream (p50): " + Report.ms(ms) + " ms; target ≤ "
                + Report.ms(TARGET_ADDED_MS) + " ms: **" + (ms <= TARGET_ADDED_MS ? "met" : "missed") + "**";
    }

    private static long echo(McpSyncClient client, String tool) {
        long t0 = System.nanoTime();
        McpSchema.CallToolResult r = client.callTool(new McpSchema.CallToolRequest(tool, Map.of("message", "ping")));
        long t1 = System.nanoTime();
        if (r.content().isEmpty() || Boolean.TRUE.equals(r.isError())) {
            throw new IllegalStateException(tool + " failed: " + r);
        }
        return t1 - t0;
    }

    private static McpSyncClient http(String url) {
        int slash = url.indexOf('/', "http://".length());
        McpSyncClient c = McpClient.sync(HttpClientStreamableHttpTransport.builder(url.substring(0, slash))
                        .endpoint(url.substring(slash)).build())
                .requestTimeout(Duration.ofSeconds(30)).build();
        c.initialize();
        return c;
    }

    /** The HTTP upstream: a Java SDK server on Jetty, loopback, with an {@code echo} tool. */
    private static Server echoServer() throws Exception {
        HttpServletStreamableServerTransportProvider transport = HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(McpJsonDefaults.getMapper()).mcpEndpoint("/mcp").build();
        McpSyncServer mcp = McpServer.sync(transport)
                .serverInfo("echo", "1")
                .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
                .tools(McpServerFeatures.SyncToolSpecification.builder()
                        .tool(McpSchema.Tool.builder("echo").inputSchema(Map.of("type", "object")).build())
                        .callHandler((exchange, request) -> McpSchema.CallToolResult.builder()
                                .content(List.of(new McpSchema.TextContent(String.valueOf(request.arguments().get("message")))))
                                .build())
                        .build())
                .build();
        Server jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        ServletHolder holder = new ServletHolder(transport);
        holder.setAsyncSupported(true);
        context.addServlet(holder, "/mcp");
        jetty.setHandler(context);
        jetty.addEventListener(new org.eclipse.jetty.util.component.LifeCycle.Listener() {
            @Override
            public void lifeCycleStopping(org.eclipse.jetty.util.component.LifeCycle event) {
                mcp.close();
            }
        });
        jetty.start();
        return jetty;
    }
}
