package dev.berth.server.http;

import dev.berth.server.config.ConfigException;
import dev.berth.server.config.ServerConfig;
import dev.berth.server.config.TlsRequirement;
import dev.berth.server.tls.ServerTls;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The API port's connector: plain HTTP/1.1 and h2c, or TLS on which ALPN picks h2 or http/1.1 (a
 * client that offers neither gets HTTP/1.1). {@link #prepare} checks the settings before anything
 * starts, so a refusal leaves nothing behind.
 */
public final class Connectors {
    /** Null: plain HTTP. */
    private final SslContextFactory.Server tls;

    private Connectors(SslContextFactory.Server tls) {
        this.tls = tls;
    }

    /** Refuses plain HTTP beyond loopback and reads the TLS files; a {@link ConfigException} says what is wrong. */
    public static Connectors prepare(ServerConfig config) {
        TlsRequirement.refusal(config.host(), config.tls()).ifPresent(why -> {
            throw new ConfigException(why);
        });
        return new Connectors(config.tls().enabled() ? ServerTls.load(config.tls()) : null);
    }

    /** What the port of {@code config} speaks, for the start-up line. */
    public static String describe(ServerConfig config) {
        return config.tls().enabled() ? "HTTP/2 and HTTP/1.1 over " + String.join(" or ", ServerTls.protocols())
                : "HTTP/1.1 and h2c";
    }

    public ServerConnector create(Server jetty, HttpConfiguration http) {
        if (tls == null) {
            return new ServerConnector(jetty, new HttpConnectionFactory(http), new HTTP2CServerConnectionFactory(http));
        }
        HttpConfiguration https = new HttpConfiguration(http);
        https.addCustomizer(new SecureRequestCustomizer());
        HttpConnectionFactory http11 = new HttpConnectionFactory(https);
        HTTP2ServerConnectionFactory h2 = new HTTP2ServerConnectionFactory(https);
        // ALPN's ids, in the server's order of preference; Jetty's own name for HTTP/1.1 is upper case, which
        // no client would match
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2", "http/1.1");
        alpn.setDefaultProtocol(http11.getProtocol()); // a client that offers no ALPN
        return new ServerConnector(jetty, new SslConnectionFactory(tls, alpn.getProtocol()), alpn, h2, http11);
    }
}
