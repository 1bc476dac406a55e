package dev.berth.server;

import dev.berth.sandbox.namespaces.NamespacesConfig;
import dev.berth.sandbox.namespaces.NamespacesDriver;
import dev.berth.sandbox.namespaces.routed.DeniedConnection;
import dev.berth.sandbox.namespaces.routed.RoutedConfig;
import dev.berth.sandbox.spi.SandboxDriver;
import dev.berth.server.agents.AgentClient;
import dev.berth.server.agents.AgentSupervisor;
import dev.berth.server.arena.ArenaService;
import dev.berth.server.audit.AuditEvent;
import dev.berth.server.audit.AuditSink;
import dev.berth.server.audit.AuditTrail;
import dev.berth.server.audit.CommandAudit;
import dev.berth.server.config.ConfigException;
import dev.berth.server.config.ServerConfig;
import dev.berth.server.gateway.GatewayHoldings;
import dev.berth.server.gateway.GatewayNetwork;
import dev.berth.server.gateway.GatewayServer;
import dev.berth.server.gateway.GatewayTags;
import dev.berth.server.gateway.egress.EgressProxy;
import dev.berth.server.gateway.mcp.McpGateway;
import dev.berth.server.gateway.model.ModelGateway;
import dev.berth.server.gateway.model.ModelUsage;
import dev.berth.server.harness.CommandRunner;
import dev.berth.server.harness.TurnRunner;
import dev.berth.server.http.ApiHandler;
import dev.berth.server.web.ConsoleAssets;
import dev.berth.server.web.ConsoleHandler;
import dev.berth.server.web.OidcWebLogin;
import dev.berth.server.http.ArenaRoutes;
import dev.berth.server.http.AuditRoutes;
import dev.berth.server.http.CommandRoutes;
import dev.berth.server.http.Connectors;
import dev.berth.server.http.FileRoutes;
import dev.berth.server.http.Followers;
import dev.berth.server.http.JsonErrorHandler;
import dev.berth.server.http.Route;
import dev.berth.server.http.RuntimeRoutes;
import dev.berth.server.http.SecretRoutes;
import dev.berth.server.http.SessionLogRoutes;
import dev.berth.server.http.SessionRoutes;
import dev.berth.server.http.TerminalRoutes;
import dev.berth.server.http.TokenRoutes;
import dev.berth.server.http.UsageRoutes;
import dev.berth.server.http.WebRoutes;
import dev.berth.server.identity.AdminToken;
import dev.berth.server.identity.ApiTokens;
import dev.berth.server.identity.Authenticator;
import dev.berth.server.identity.Authorizer;
import dev.berth.server.identity.OidcAuthenticator;
import dev.berth.server.identity.oidc.OidcVerifier;
import dev.berth.server.runtimes.RuntimeService;
import dev.berth.server.secrets.SecretStore;
import dev.berth.server.secrets.SecretsKey;
import dev.berth.server.sessions.CommandService;
import dev.berth.server.sessions.SessionService;
import dev.berth.server.store.SqliteStore;
import dev.berth.server.store.Store;
import dev.berth.server.web.WebLogin;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.server.ServerWebSocketContainer;

/**
 * The control plane: builds the object graph in one place (no DI container) and runs the HTTP API
 * on one port: HTTP/1.1 and h2c, or HTTPS with HTTP/2 and HTTP/1.1 (see {@link Connectors}).
 * Stopping the server leaves sessions running; the next start re-adopts them.
 */
public final class BerthServer implements AutoCloseable {
    public static final String VERSION = BerthServer.class.getPackage().getImplementationVersion() != null
            ? BerthServer.class.getPackage().getImplementationVersion() : "0.1.0-SNAPSHOT";
    /** Streams may be quiet for long; clients re-attach by offset if a connection is cut anyway. */
    private static final long IDLE_TIMEOUT_MS = 30 * 60_000L;

    private final ServerConfig config;
    private final Server jetty;
    private final ServerConnector connector;
    private final Store store;
    private final SessionService sessions;
    private final SandboxDriver driver;

    private final String startupPhases;
    private final AgentSupervisor agents;
    private final AgentClient agentClient;
    private final RuntimeService runtimes;
    private final ModelUsage modelUsage;
    private final ArenaService arenas;

    /** The OIDC verifier and the audit trail: closed last (so that stopping is recorded too), in this order. */
    private final List<AutoCloseable> lastToClose;
    private final Followers followers;
    private final GatewayServer gateway;

    private BerthServer(GatewayServer gateway, Followers followers, List<AutoCloseable> lastToClose, ServerConfig config, Server jetty, ServerConnector connector, Store store,
            SessionService sessions, SandboxDriver driver, String startupPhases, AgentSupervisor agents,
            AgentClient agentClient, RuntimeService runtimes, ModelUsage modelUsage, ArenaService arenas) {
        this.modelUsage = modelUsage;
        this.arenas = arenas;
        this.lastToClose = lastToClose;
        this.followers = followers;
        this.gateway = gateway;
        this.runtimes = runtimes;
        this.agents = agents;
        this.agentClient = agentClient;
        this.startupPhases = startupPhases;
        this.config = config;
        this.jetty = jetty;
        this.connector = connector;
        this.store = store;
        this.sessions = sessions;
        this.driver = driver;
    }

    /**
     * Jetty sizes its padding from the JVM's UseCompressedOops, read through the platform MBean
     * server: starting JMX costs ~150 ms of CPU at every server start. The JVM compresses oops by
     * default below a 32 GiB heap, so Jetty is told the answer (unless the operator already did).
     */
    private static void skipJettyMBeanProbe() {
        String key = "org.eclipse.jetty.util.referencesPerCacheLine";
        if (System.getProperty(key) == null) {
            int referenceBytes = Runtime.getRuntime().maxMemory() < (32L << 30) ? 4 : 8;
            System.setProperty(key, Integer.toString(64 / referenceBytes)); // a 64-byte cache line, Jetty's default
        }
    }

    public static BerthServer start(ServerConfig config) throws Exception {
        skipJettyMBeanProbe();
        Connectors connectors = Connectors.prepare(config); // an unsafe listen or bad TLS files: refused before anything starts
        // a key file inside the data dir, or a malformed $BERTH_SECRETS_KEY: refused before anything starts
        SecretsKey secretsKey = SecretsKey.of(config.secrets(), config.dataDir());
        long t0 = System.nanoTime();
        Files.createDirectories(config.dataDir());
        AdminToken token = AdminToken.loadOrCreate(config.tokenFile());
        // the issuer's discovery first: a server that cannot check its users' tokens does not start
        OidcVerifier oidc = null;
        if (config.oidc() != null) {
            try {
                oidc = new OidcVerifier(config.oidc());
            } catch (IOException e) {
                throw new ConfigException("cannot use OIDC issuer " + config.oidc().issuer() + ": " + e.getMessage());
            }
        }
        Store store = new SqliteStore(config.dataDir().resolve("berth.db"));
        AuditTrail trail = AuditTrail.open(config.dataDir(), config.audit(), clockMillis(), token.secret());
        AuditSink sink = trail.sink();
        SecretStore secrets = new SecretStore(store, secretsKey, clockMillis(), trail.redactor()::addSecret);
        secrets.announceAll(); // the audit masks stored values from its first event on
        long tStore = System.nanoTime();
        NamespacesDriver driver = new NamespacesDriver(NamespacesConfig.defaults(
                config.dataDir().resolve("bin"), "berth-" + shortHash(config.dataDir().toAbsolutePath().toString()))
                .withRouted(RoutedConfig.defaults()), d -> sink.record(deniedEvent(store, d)));
        Clock clock = clockMillis();
        RuntimeService runtimes = new RuntimeService(config.dataDir().resolve("runtimes"), config.runtimes(), store,
                driver.imageIds(), config.runtimes().registryAuthFile(), clock);
        GatewayTags tags = GatewayTags.loadOrCreate(config.dataDir().resolve("gateway").resolve("tag.key"));
        GatewayNetwork gatewayNetwork = new GatewayNetwork(tags, config.dataDir().resolve("gateway.sock"), config.gateway(), store);
        SessionService sessions = new SessionService(config, store, driver, runtimes, gatewayNetwork, clock);
        CommandService commands = new CommandService(config, store, driver, sessions, clock);
        AgentClient agentClient = new AgentClient();
        AgentSupervisor agents = new AgentSupervisor(runtimes, sessions, commands, agentClient, clock);
        commands.audit(sink);
        sessions.audit(sink);
        commands.tap(trail.ttys());
        McpGateway mcp = new McpGateway(config.gateway().mcp(), secrets, sink);
        ModelUsage modelUsage = new ModelUsage(store, clock);
        // before reconcile, which re-adopts running agents; what the gateway holds of a session goes with its sandbox
        sessions.watch(agents.also(new GatewayHoldings(gatewayNetwork, modelUsage, mcp)));
        GatewayServer gateway = new GatewayServer(config.dataDir().resolve("gateway.sock"), gatewayNetwork, List.of(
                new GatewayServer.Mount(ModelGateway.PREFIX, new ModelGateway(config.gateway(), secrets, modelUsage, sink)),
                new GatewayServer.Mount(McpGateway.PATH, mcp)),
                new EgressProxy(gatewayNetwork::rules, sink));
        gateway.start(); // before re-adopted agents call it
        long tReconcile = System.nanoTime();
        sessions.reconcile();
        commands.forEachTerminal(trail.ttys()::resume);
        long tReconciled = System.nanoTime();

        Map<String, Object> health = new LinkedHashMap<>();
        health.put("status", "ok");
        health.put("version", VERSION);
        health.put("driver", driver.name());
        health.put("driverAvailable", driver.unavailableReason().isEmpty());
        driver.unavailableReason().ifPresent(r -> health.put("driverProblem", r));
        health.put("cgroups", driver.cgroupVersion());
        var life = config.lifecycle().defaults();
        health.put("sessionDefaults", Map.of(
                "idleTimeoutSeconds", life.idleTimeout().toSeconds(),
                "retentionSeconds", life.retention().toSeconds(),
                "maxLifetimeSeconds", life.maxLifetime().toSeconds(),
                "diskQuotaBytes", config.lifecycle().diskQuotaBytes()));
        health.put("diskQuotas", sessions.diskQuotaUnavailable().isEmpty());
        sessions.diskQuotaUnavailable().ifPresent(r -> health.put("diskQuotaProblem", r));

        sessions.onCommandEnd((c, exit) -> sink.record(AuditEvent.draft(c.startedBy(), "system", null, c.sessionId(),
                (c.tty() ? "tty/" : "command/") + c.id(), c.tty() ? "tty.exit" : "command.exit",
                exit == null ? "lost" : "ok", CommandAudit.exitDetails(c, exit))));
        ApiTokens apiTokens = new ApiTokens(store, clock);
        OidcAuthenticator jwts = oidc == null ? null : new OidcAuthenticator(oidc, sink, clock);
        Authenticator authenticator = new Authenticator(token, apiTokens, jwts);
        Optional<OidcWebLogin> webLogin = jwts == null || config.oidc().webClientId() == null ? Optional.empty()
                : Optional.of(new OidcWebLogin(config.oidc(), jwts, sink, clock));
        Authorizer authorizer = new Authorizer(sessions::find);

        Followers followers = new Followers();
        List<Route> routes = new ArrayList<>(new SessionRoutes(sessions, health, config.streamHeartbeat(), followers).routes());
        routes.addAll(new WebRoutes(new WebLogin(authenticator, sink), webLogin).routes());
        routes.addAll(new FileRoutes(sessions).routes());
        routes.addAll(new TokenRoutes(apiTokens, clock).routes());
        routes.addAll(new SecretRoutes(secrets).routes());
        routes.addAll(new AuditRoutes(trail.log(), trail.ttys(), config.streamHeartbeat(), followers).routes());
        routes.addAll(new SessionLogRoutes(sessions, commands, trail.log(), config.streamHeartbeat(), followers).routes());
        routes.addAll(new CommandRoutes(commands, config.streamHeartbeat()).routes());
        CommandRunner runner = new CommandRunner(commands); // the server's own commands: harness turns, checks
        TurnRunner turns = new TurnRunner(runner, sink);
        routes.addAll(new RuntimeRoutes(runtimes, sessions, agents, agentClient, config.maxRequestBytes(), turns).routes());
        routes.addAll(new UsageRoutes(modelUsage, sessions::find, clock).routes());
        ArenaService arenas = new ArenaService(store, sessions, runner, turns, modelUsage, sink, clock);
        routes.addAll(new ArenaRoutes(arenas, config.streamHeartbeat(), followers).routes());

        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("berth-http");
        threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        Server jetty = new Server(threads);
        routes.addAll(new TerminalRoutes(commands, ServerWebSocketContainer.ensure(jetty), config.streamHeartbeat(), sink)
                .routes());
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        ServerConnector connector = connectors.create(jetty, http);
        connector.setHost(config.host());
        connector.setPort(config.port());
        connector.setIdleTimeout(IDLE_TIMEOUT_MS);
        jetty.addConnector(connector);
        jetty.setHandler(new ConsoleHandler(new ApiHandler(authenticator, authorizer, sink, routes, config.maxRequestBytes()),
                ConsoleAssets.load(BerthServer.class.getClassLoader())));
        jetty.setErrorHandler(new JsonErrorHandler());
        jetty.setStopTimeout(5_000);
        List<AutoCloseable> lastToClose = new ArrayList<>();
        if (oidc != null) {
            lastToClose.add(oidc);
        }
        lastToClose.add(trail);
        try {
            jetty.start();
        } catch (IOException e) {
            arenas.close();
            gateway.close();
            agents.close();
            agentClient.close();
            runtimes.close();
            sessions.close();
            modelUsage.close();
            store.close();
            closeAll(lastToClose);
            throw new IOException("cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        long tReady = System.nanoTime();
        // where a restart's downtime goes: clients of every session wait for it
        String phases = "store " + ms(tStore - t0) + " ms, sandbox driver " + ms(tReconcile - tStore)
                + " ms, reconcile " + ms(tReconciled - tReconcile) + " ms, HTTP " + ms(tReady - tReconciled) + " ms";
        return new BerthServer(gateway, followers, lastToClose, config, jetty, connector, store, sessions, driver, phases, agents, agentClient,
                runtimes, modelUsage, arenas);
    }

    /** A destination the host's firewall kept a routed sandbox from: an attempt of the session's owner. */
    private static AuditEvent deniedEvent(Store store, DeniedConnection d) {
        String owner = store.session(d.sessionId()).map(s -> s.owner()).orElse("system");
        return AuditEvent.draft(owner, "system", null, d.sessionId(), "net/" + d.address() + ":" + d.port(),
                "network.connect", "denied", Map.of("via", "routed", "protocol", d.protocol(), "address", d.address(),
                        "port", d.port(), "packets", d.packets(), "first", d.firstReport()));
    }

    /** Milliseconds: what the store keeps, so a time reads the same before and after a restart. */
    private static Clock clockMillis() {
        return Clock.tick(Clock.systemUTC(), java.time.Duration.ofMillis(1));
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    /** How long each part of {@link #start} took, for the start-up log line. */
    public String startupPhases() {
        return startupPhases;
    }

    private static String shortHash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public URI uri() {
        String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        return URI.create((config.tls().enabled() ? "https" : "http") + "://" + host + ":" + connector.getLocalPort());
    }

    public int port() {
        return connector.getLocalPort();
    }

    public SessionService sessions() {
        return sessions;
    }

    public SandboxDriver driver() {
        return driver;
    }

    public void join() throws InterruptedException {
        jetty.join();
    }

    /**
     * Stops accepting and serving, saves what is only in memory (sessions' activity) and closes the
     * store; sessions and their processes run on. A client cut off mid-stream re-attaches by offset.
     */
    @Override
    public void close() throws Exception {
        try {
            followers.stopAll(); // endless follows would hold the stop up until its timeout
            arenas.close(); // agents still going are stopped and recorded as interrupted
            jetty.stop();
            gateway.close(); // sandboxes' tunnels and model streams end here; their sessions run on
            agents.close(); // agents run on in their sandboxes; the next server adopts them
            agentClient.close();
            runtimes.close();
        } finally {
            try {
                sessions.close();
                modelUsage.close(); // the model calls still waiting to be stored
            } finally {
                try {
                    store.close();
                } finally {
                    closeAll(lastToClose);
                }
            }
        }
    }

    private static void closeAll(List<AutoCloseable> parts) throws Exception {
        Exception first = null;
        for (AutoCloseable c : parts) {
            try {
                c.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
