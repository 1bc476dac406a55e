package dev.berth.server.gateway.mcp;

import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A remote Streamable HTTP MCP server for tests: the Java SDK's server on Jetty, on loopback. Its
 * one tool, {@code whoami}, answers the {@code Authorization} header its caller sent.
 */
final class RemoteMcpServer implements AutoCloseable {
    private final Server jetty = new Server();
    private final McpSyncServer mcp;

    RemoteMcpServer() throws Exception {
        HttpServletStreamableServerTransportProvider transport = HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(McpJsonDefaults.getMapper())
                .mcpEndpoint("/mcp")
                .contextExtractor(request -> McpTransportContext.create(
                        Map.of("authorization", Objects.requireNonNullElse(request.getHeader("Authorization"), "none"))))
                .build();
        McpSchema.Tool whoami = McpSchema.Tool.builder("whoami")
                .description("The Authorization header of the call")
                .inputSchema(Map.of("type", "object"))
                .build();
        mcp = McpServer.sync(transport)
                .serverInfo("remote", "1")
                .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
                .tools(McpServerFeatures.SyncToolSpecification.builder()
                        .tool(whoami)
                        .callHandler((exchange, request) -> McpSchema.CallToolResult.builder()
                                .content(List.of(new McpSchema.TextContent(
                                        String.valueOf(exchange.transportContext().get("authorization")))))
                                .build())
                        .build())
                .build();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        ServletHolder holder = new ServletHolder(transport);
        holder.setAsyncSupported(true);
        context.addServlet(holder, "/mcp");
        jetty.setHandler(context);
        jetty.start();
    }

    /** Offers one more tool (the SDK tells connected clients: {@code notifications/tools/list_changed}). */
    void addTool(String name) {
        mcp.addTool(McpServerFeatures.SyncToolSpecification.builder()
                .tool(McpSchema.Tool.builder(name).inputSchema(Map.of("type", "object")).build())
                .callHandler((exchange, request) -> McpSchema.CallToolResult.builder()
                        .content(List.of(new McpSchema.TextContent(name))).build())
                .build());
    }

    String url() {
        return "http://127.0.0.1:" + ((ServerConnector) jetty.getConnectors()[0]).getLocalPort() + "/mcp";
    }

    @Override
    public void close() throws Exception {
        mcp.close();
        jetty.stop();
    }
}
