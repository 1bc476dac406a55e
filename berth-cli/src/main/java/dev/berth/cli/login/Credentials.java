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
 */
public record Credentials(String issuer, String clientId, URI tokenEndpoint, String accessToken, String refreshToken,
                          Instant expiresAt, String scope) {
    public Credentials {
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(tokenEndpoint, "tokenEndpoint");
        Objects.requireNonNull(accessToken, "accessToken");
    }

    /** True when the access token will have expired {@code margin} from {@code now}; an unknown expiry never does. */
    public boolean expiresWithin(Duration margin, Instant now) {
        return expiresAt != null && !now.plus(margin).isBefore(expiresAt);
    }

    /** Tokens are credentials: never in a log line or an exception message. */
    @Override
    public String toString() {
        return "Credentials[issuer=" + issuer + ", clientId=" + clientId + ", expiresAt=" + expiresAt
                + ", refreshable=" + (refreshToken != null) + "]";
    }
}
