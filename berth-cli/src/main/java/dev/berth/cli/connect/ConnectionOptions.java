package dev.berth.cli.connect;

import dev.berth.api.client.BerthClient;
import dev.berth.api.tls.TlsTrust;
import dev.berth.cli.login.CredentialStore;
import dev.berth.cli.login.TokenRefresher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import picocli.CommandLine.Option;

/**
 * How the CLI finds the server and its token: flags, then {@code BERTH_URL} / {@code BERTH_TOKEN},
 * then the local server ({@code DATA/server.json} written by {@code berth serve}, else
 * http://127.0.0.1:7760). The token after those: the login {@code berth login --oidc} stored
 * (refreshed first when it is about to expire), then {@code DATA/admin.token}. Over https it trusts
 * {@code --tls-ca} / {@code BERTH_TLS_CA}, else the local server's own certificate when that is the
 * server, else the system's CAs; hostnames are verified in every case.
 */
public final class ConnectionOptions {
    @Option(names = "--server", description = "Server URL (env BERTH_URL; default: the local server).",
            scope = picocli.CommandLine.ScopeType.INHERIT)
    String server;

    @Option(names = "--token", description = "API token (env BERTH_TOKEN; default: the berth login, else DATA/admin.token).",
            scope = picocli.CommandLine.ScopeType.INHERIT)
    String token;

    @Option(names = "--home", paramLabel = "DIR", description = "Data directory of the local server (env BERTH_HOME; default ~/.local/share/berth).",
            scope = picocli.CommandLine.ScopeType.INHERIT)
    Path data;

    @Option(names = "--tls-ca", paramLabel = "FILE",
            description = "PEM certificate(s) to trust for an https:// server instead of the system's CAs: its CA, or its own certificate "
                    + "(env BERTH_TLS_CA; default for the local server: the certificate it serves).",
            scope = picocli.CommandLine.ScopeType.INHERIT)
    Path tlsCa;
    /** Where {@code berth login} keeps its tokens. */
    private final CredentialStore credentials = CredentialStore.standard();
    private boolean warnedAboutLogin;

    public Path dataDir() {
        return data != null ? data : dev.berth.server.config.ServerConfig.defaultDataDir();
    }

    public URI serverUri() {
        String url = givenUrl();
        if (url == null) {
            url = LocalServer.read(dataDir()).map(LocalServer.Info::url).orElse("http://127.0.0.1:7760");
        }
        return URI.create(url.endsWith("/") ? url : url + "/");
    }

    /** --server, else BERTH_URL; null when neither names a server. */
    private String givenUrl() {
        String url = server != null ? server : System.getenv("BERTH_URL");
        return url == null || url.isBlank() ? null : url;
    }

    /** The local server (DATA/server.json), when it is the one this call talks to. */
    private Optional<LocalServer.Info> localServer() {
        return givenUrl() == null ? LocalServer.read(dataDir()) : Optional.empty();
    }

    /**
     * Whom to trust over https when talking to {@code local} (if it is the server): --tls-ca, else
     * BERTH_TLS_CA, else the certificate the local server serves; null for the system's CAs.
     */
    public SSLContext tlsTrust(Optional<LocalServer.Info> local) {
        String env = System.getenv("BERTH_TLS_CA");
        if (tlsCa != null) {
            return trusting(tlsCa, "--tls-ca ");
        }
        if (env != null && !env.isBlank()) {
            return trusting(Path.of(env.strip()), "BERTH_TLS_CA ");
        }
        Optional<String> served = local.map(LocalServer.Info::tlsCert);
        return served.map(cert -> trusting(Path.of(cert), "the local server's certificate ")).orElse(null);
    }

    private static SSLContext trusting(Path pem, String origin) {
        try {
            return TlsTrust.trusting(pem);
        } catch (IOException e) {
            throw new UncheckedIOException(new IOException(origin + e.getMessage(), e));
        }
    }

    public String token() {
        String t = token != null ? token : System.getenv("BERTH_TOKEN");
        if (t != null && !t.isBlank()) {
            return t.strip();
        }
        Optional<String> login = storedLogin();
        if (login.isPresent()) {
            return login.get();
        }
        Path file = dataDir().resolve("admin.token");
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            return null; // the server answers 401 with a message that says where the token lives
        }
    }

    /**
     * A login that can no longer be refreshed is reported, once, and passed over: the admin token
     * (on the server's own host) still works, and elsewhere the server's 401 follows the warning.
     */
    private synchronized Optional<String> storedLogin() {
        try {
            if (credentials.load().filter(c -> c.isFor(serverUri())).isEmpty()) {
                return Optional.empty(); // no login, or one for another server
            }
            return new TokenRefresher(credentials, Clock.systemUTC()).accessToken();
        } catch (IOException e) {
            if (!warnedAboutLogin) {
                warnedAboutLogin = true;
                System.err.println("berth: " + e.getMessage());
            }
            return Optional.empty();
        }
    }

    private BerthClient client;

    /** The client for this CLI call; {@link #close()} ends it before the JVM exits. */
    public synchronized BerthClient client() {
        if (client == null) {
            client = new BerthClient(serverUri(), token(), tlsTrust(localServer()));
        }
        return client;
    }

    public synchronized void close() {
        if (client != null) {
            client.close();
            client = null;
        }
    }
}
