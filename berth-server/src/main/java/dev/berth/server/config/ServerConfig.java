package dev.berth.server.config;

import dev.berth.sandbox.spi.ResourceLimits;
import dev.berth.server.gateway.GatewayConfig;
import dev.berth.server.identity.oidc.OidcConfig;
import dev.berth.server.lifecycle.LifecyclePolicy;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything the server needs to start, with safe embedded defaults: loopback only, data under one
 * directory, SQLite, the namespaces driver.
 *
 * @param defaultLimits limits of a session that asks for none
 * @param lifecycle idle timeout, workspace retention, maximum lifetime and disk quota of sessions
 * @param outputRetainBytes output kept per command for re-reading
 * @param maxRequestBytes larger request bodies are refused with {@code payload_too_large}
 * @param streamHeartbeat how long an output stream may be silent before it carries a heartbeat
 * @param runtimes limits of deploys and agents
 * @param tls TLS for the API port, or plain HTTP (loopback only unless insecure)
 * @param audit what the audit trail records and where it is exported
 * @param oidc the OpenID Connect issuer whose JWTs are accepted as bearer tokens; null: none
 * @param gateway what the gateway forwards and where sandboxes may connect
 * @param secrets where the secrets store's key comes from
 */
public record ServerConfig(
        String host,
        int port,
        Path dataDir,
        ResourceLimits defaultLimits,
        LifecyclePolicy lifecycle,
        long outputRetainBytes,
        int maxRequestBytes,
        Duration streamHeartbeat,
        RuntimePolicy runtimes,
        TlsConfig tls,
        AuditPolicy audit,
        OidcConfig oidc,
        GatewayConfig gateway,
        SecretsPolicy secrets) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 7760;
    public static final ResourceLimits DEFAULT_LIMITS = new ResourceLimits(2L << 30, 0, 2048);
    public static final long DEFAULT_OUTPUT_RETAIN = 64L << 20;
    public static final int DEFAULT_MAX_REQUEST = 8 << 20;
    public static final Duration DEFAULT_STREAM_HEARTBEAT = Duration.ofSeconds(10);

    public static ServerConfig defaults(Path dataDir) {
        return new ServerConfig(DEFAULT_HOST, DEFAULT_PORT, dataDir, DEFAULT_LIMITS, LifecyclePolicy.DEFAULTS,
                DEFAULT_OUTPUT_RETAIN, DEFAULT_MAX_REQUEST, DEFAULT_STREAM_HEARTBEAT, RuntimePolicy.DEFAULTS, TlsConfig.NONE,
                AuditPolicy.DEFAULTS, null, GatewayConfig.EMPTY, SecretsPolicy.DEFAULTS);
    }

    public ServerConfig withListen(String h, int p) {
        return new ServerConfig(h, p, dataDir, defaultLimits, lifecycle, outputRetainBytes, maxRequestBytes, streamHeartbeat, runtimes, tls, audit, oidc, gateway, secrets);
    }

    public ServerConfig withLifecycle(LifecyclePolicy l) {
        return new ServerConfig(host, port, dataDir, defaultLimits, l, outputRetainBytes, maxRequestBytes, streamHeartbeat, runtimes, tls, audit, oidc, gateway, secrets);
    }

    public ServerConfig withOutputRetain(long bytes) {
        return new ServerConfig(host, port, dataDir, defaultLimits, lifecycle, bytes, maxRequestBytes, streamHeartbeat, runtimes, tls, audit, oidc, gateway, secrets);
    }

    public ServerConfig withStreamHeartbeat(Duration every) {
        return new ServerConfig(host, port, dataDir, defaultLimits, lifecycle, outputRetainBytes, maxRequestBytes, every, runtimes, tls, audit, oidc, gateway, secrets);
    }

    public ServerConfig withRuntimes(RuntimePolicy r) {
        return new ServerConfig(host, port, dataDir, defaultLimits, lifecycle, outputRetainBytes, maxRequestBytes, streamHeartbeat, r, tls, audit, oidc, gateway, secrets);
    }

    public ServerConfig withTls(TlsConfig t) {
        return new ServerConfig(host, port, dataDir, defaultLimits, lifecycle, outputRetainBytes, maxRequestBytes, streamHeartbeat, runtimes, t, audit, oidc, gateway, secrets);
    }

    public ServerConfig withAudit(AuditPolicy a) {
        return new ServerConfig(host, port, dataDir, defaultLimits, lifecycle, outputRetainBytes, maxRequestBytes, streamHeartbeat,
                runtimes, tls, a, oidc, gateway, secrets);
    }

    public ServerConfig withOidc(OidcConfig o) {
        return new ServerConfig(host, port, dataDir, defaultLimits, lifecycle, outputRetainBytes, maxRequestBytes, streamHeartbeat,
                runtimes, tls, audit, o, gateway, secrets);
    }

    public ServerConfig withGateway(GatewayConfig g) {
        return new ServerConfig(host, port, dataDir, defaultLimits, lifecycle, outputRetainBytes, maxRequestBytes, streamHeartbeat,
                runtimes, tls, audit, oidc, g, secrets);
    }

    public ServerConfig withSecrets(SecretsPolicy s) {
        return new ServerConfig(host, port, dataDir, defaultLimits, lifecycle, outputRetainBytes, maxRequestBytes, streamHeartbeat,
                runtimes, tls, audit, oidc, gateway, s);
    }

    /** {@code $BERTH_HOME}, else {@code ~/.local/share/berth}. */
    public static Path defaultDataDir() {
        String home = System.getenv("BERTH_HOME");
        if (home != null && !home.isBlank()) {
            return Path.of(home);
        }
        return Path.of(System.getProperty("user.home"), ".local", "share", "berth");
    }

    public Path tokenFile() {
        return dataDir.resolve("admin.token");
    }
}
