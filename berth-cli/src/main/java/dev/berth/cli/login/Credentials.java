package dev.berth.cli.login;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A stored OIDC login: the tokens and where to refresh them.
 *
 * @param issuer the provider logged in at
 * @param clientId the CLI's client id there
 * @param tokenEndpoint where the refresh token grant goes (from discovery at login)
 * @param accessToken the bearer token sent to Berth
 * @param refreshToken null when the provider gave none (then the login ends with the access token)
 * @param expiresAt when the access token expires; null when the provider did not say
 * @param scope the scope granted, when the provider said
 * @param server the Berth server this login is for (its URL as the CLI reached it); null: any.
 *     Other servers get their own token (the local one its admin token), not this one
 */
public record Credentials(String issuer, String clientId, URI tokenEndpoint, String accessToken, String refreshToken,
                          Instant expiresAt, String scope, String server) {
    public Credentials {
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(tokenEndpoint, "tokenEndpoint");
        Objects.requireNonNull(accessToken, "accessToken");
    }

    public Credentials withServer(String url) {
        return new Credentials(issuer, clientId, tokenEndpoint, accessToken, refreshToken, expiresAt, scope, url);
    }

    /** Whether this login is for the server at {@code url}. */
    public boolean isFor(URI url) {
        return server == null || server.equals(url.toString());
    }

    /** True when the access token will have expired {@code margin} from {@code now}; an unknown expiry never does. */
    public boolean expiresWithin(Duration margin, Instant now) {
        return expiresAt != null && !now.plus(margin).isBefore(expiresAt);
    }

    /** Tokens are credentials: never in a log line or an exception message. */
    @Override
    public String toString() {
        return "Credentials[issuer=" + issuer + ", clientId=" + clientId + ", server=" + server + ", expiresAt=" + expiresAt
                + ", refreshable=" + (refreshToken != null) + "]";
    }
}
