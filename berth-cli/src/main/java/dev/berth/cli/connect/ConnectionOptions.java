package dev.berth.cli.connect;

import dev.berth.api.client.BerthClient;
import dev.berth.cli.login.CredentialStore;
import dev.berth.cli.login.TokenRefresher;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * How the CLI finds the server and its token: flags, then {@code BERTH_URL} / {@code BERTH_TOKEN},
 * then the local server ({@code DATA/server.json} written by {@code berth serve}, else
 * http://127.0.0.1:7760). The token after those: the login {@code berth login --oidc} stored
 * (refreshed first when it is about to expire), then {@code DATA/admin.token}.
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

    /** Where {@code berth login} keeps its tokens. */
    private final CredentialStore credentials = CredentialStore.standard();
    private boolean warnedAboutLogin;

    public Path dataDir() {
        return data != null ? data : dev.berth.server.config.ServerConfig.defaultDataDir();
    }

    public URI serverUri() {
        String url = server != null ? server : System.getenv("BERTH_URL");
        if (url == null || url.isBlank()) {
            url = LocalServer.read(dataDir()).map(LocalServer.Info::url).orElse("http://127.0.0.1:7760");
        }
        return URI.create(url.endsWith("/") ? url : url + "/");
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
            client = new BerthClient(serverUri(), token());
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
