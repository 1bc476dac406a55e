package dev.berth.server.gateway.mcp;

import dev.berth.server.audit.AuditSink;
import dev.berth.server.gateway.GatewayConfig;
import dev.berth.server.gateway.GatewaySession;
import dev.berth.server.secrets.SecretResolver;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.util.component.Graceful;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The gateway's MCP service, mounted at {@value #PATH}: one Streamable HTTP MCP endpoint per
 * sandbox session (made on its first request, closed by {@link #close(String)} when the session
 * stops), aggregating the upstream servers of {@code [mcp.servers]} under prefixed tool names and
 * auditing every tool call. Upstream servers are shared by all sessions, started on first use and
 * started again after they die.
 */
public final class McpGateway extends Handler.Wrapper implements Graceful {
    public static final String PATH = "/mcp";
    private static final Logger LOG = Logger.getLogger(McpGateway.class.getName());

    private final ToolPolicy policy;
    private final ToolCallAudit audit;
    private final McpJsonMapper json = McpJsonDefaults.getMapper();
    private final Scheduler results = Schedulers.fromExecutorService(Executors.newVirtualThreadPerTaskExecutor(), "berth-mcp");
    private final List<Upstream> upstreams = new ArrayList<>();
    private final Map<String, SessionEndpoint.Entry> catalog = new ConcurrentHashMap<>();
    private final Map<String, SessionEndpoint> endpoints = new ConcurrentHashMap<>();
    private final Endpoints servlet = new Endpoints();
    private volatile boolean shutdown;

    public McpGateway(GatewayConfig.Mcp config, SecretResolver secrets, AuditSink audit) {
        this(config, secrets, audit, Duration.ofMinutes(30));
    }

    /** @param callTimeout how long an upstream tool call may take */
    public McpGateway(GatewayConfig.Mcp config, SecretResolver secrets, AuditSink audit, Duration callTimeout) {
        this.policy = ToolPolicy.of(config);
        this.audit = new ToolCallAudit(audit);
        new java.util.TreeMap<>(config.servers()).forEach((name, server) -> {
            if (name.contains(ToolPolicy.SEPARATOR)) {
                throw new IllegalArgumentException("MCP server name " + name + " contains " + ToolPolicy.SEPARATOR);
            }
            upstreams.add(new Upstream(name, server, secrets, json, callTimeout, this::onTools));
        });
        ServletContextHandler context = new ServletContextHandler("/");
        ServletHolder holder = new ServletHolder("mcp", servlet);
        holder.setAsyncSupported(true);
        context.addServlet(holder, PATH);
        setHandler(context);
    }

    /** Closes the MCP endpoint of a session that stopped; a later request from it makes a new one. */
    public void close(String sessionId) {
        SessionEndpoint e = endpoints.remove(sessionId);
        if (e != null) {
            e.close();
        }
    }

    /**
     * The gateway's graceful stop waits for open requests, and MCP event streams stay open: close
     * the endpoints first, which ends them.
     */
    @Override
    public CompletableFuture<Void> shutdown() {
        shutdown = true;
        return CompletableFuture.runAsync(() -> List.copyOf(endpoints.keySet()).forEach(this::close),
                Executors.newVirtualThreadPerTaskExecutor()::execute);
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    protected void doStop() throws Exception {
        List.copyOf(endpoints.keySet()).forEach(this::close);
        upstreams.forEach(Upstream::close);
        super.doStop();
        results.dispose();
    }

    /** An upstream's tools, (re)read: the catalog takes them and every session's endpoint follows. */
    private void onTools(Upstream upstream, List<McpSchema.Tool> tools) {
        Map<String, SessionEndpoint.Entry> now = new LinkedHashMap<>();
        for (McpSchema.Tool t : tools) {
            SessionEndpoint.Entry e = new SessionEndpoint.Entry(upstream, t);
            now.put(e.prefixed(), e);
        }
        catalog.values().removeIf(e -> e.upstream() == upstream && !now.containsKey(e.prefixed()));
        catalog.putAll(now);
        endpoints.values().forEach(SessionEndpoint::sync);
    }

    private SessionEndpoint endpoint(GatewaySession session) throws ServletException {
        SessionEndpoint e = endpoints.get(session.sessionId());
        if (e != null) {
            return e;
        }
        synchronized (endpoints) {
            e = endpoints.get(session.sessionId());
            if (e == null) {
                for (Upstream u : upstreams) {
                    try {
                        u.ensureStarted(); // a server that failed before is tried again for each new session
                    } catch (RuntimeException failure) {
                        LOG.log(Level.WARNING, "MCP server " + u.name() + " did not start: " + failure.getMessage());
                    }
                }
                e = new SessionEndpoint(session, catalog, policy, audit, json, servlet.getServletConfig(), results);
                endpoints.put(session.sessionId(), e);
                e.sync(); // tools that changed while it was being made
            }
            return e;
        }
    }

    /** Hands each request to its session's endpoint. */
    private final class Endpoints extends HttpServlet {
        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response)
                throws ServletException, IOException {
            if (!(request.getAttribute(GatewaySession.ATTRIBUTE) instanceof GatewaySession session)) {
                response.sendError(HttpServletResponse.SC_FORBIDDEN);
                return;
            }
            endpoint(session).service(request, response);
        }
    }
}
