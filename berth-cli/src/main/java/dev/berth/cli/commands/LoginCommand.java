package dev.berth.cli.commands;

import dev.berth.cli.connect.Connected;
import dev.berth.cli.input.DurationConverter;
import dev.berth.cli.login.CredentialStore;
import dev.berth.cli.login.Credentials;
import dev.berth.cli.login.PkceLogin;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code berth login --oidc}: log in at the identity provider in a browser and keep the tokens for later calls. */
@Command(name = "login", description = {"Log in at an OpenID Connect provider (in a browser) and store the tokens",
        "that later berth calls send (in ~/.config/berth/credentials.json; env BERTH_CREDENTIALS)."})
public final class LoginCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--oidc", required = true, description = "Log in with OpenID Connect: authorization code with PKCE.")
    boolean oidc;

    @Option(names = "--issuer", required = true, paramLabel = "URL", description = "The provider's issuer URL.")
    URI issuer;

    @Option(names = "--client-id", required = true, paramLabel = "ID", description = "Berth's client id at the provider (a public client).")
    String clientId;

    @Option(names = "--scope", paramLabel = "SCOPES", defaultValue = "openid profile offline_access",
            description = "Scopes to ask for (default: ${DEFAULT-VALUE}; offline_access gets a refresh token).")
    String scope;

    @Option(names = "--audience", paramLabel = "AUD", description = "The audience to ask for (for providers that read `audience`).")
    String audience;

    @Option(names = "--open", description = "Open the URL with xdg-open.")
    boolean open;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5m", converter = DurationConverter.class,
            description = "How long to wait for the browser (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Credentials credentials = new PkceLogin(err, Clock.systemUTC())
                .login(new PkceLogin.Request(issuer, clientId, scope, audience, timeout, open));
        CredentialStore store = CredentialStore.standard();
        // the login is for the server this CLI call names (--server, BERTH_URL, else the local one)
        credentials = credentials.withServer(Connected.of(spec).serverUri().toString());
        store.save(credentials);
        PrintWriter out = spec.commandLine().getOut();
        out.println("Logged in at " + credentials.issuer()
                + (credentials.expiresAt() == null ? "" : "; the token is valid until " + credentials.expiresAt())
                + (credentials.refreshToken() == null ? " (no refresh token: log in again then)" : " and refreshed as needed")
                + ". Stored in " + store.file() + ", used with " + credentials.server());
        out.flush();
        return 0;
    }
}
