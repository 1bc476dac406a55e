package dev.berth.server.identity.oidc;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A bearer token that passed every check: who it speaks for and until when.
 *
 * @param user the value of the configured user claim
 * @param groups the provider's groups for the user (empty when the token has none)
 * @param role the role the groups map to ({@code admin}, {@code operator}, {@code auditor} or {@code user})
 * @param expiresAt the token's {@code exp}
 * @param subject the token's {@code sub}: stable at the provider even when the user claim is not
 */
public record VerifiedToken(String user, List<String> groups, String role, Instant expiresAt, String subject) {
    public VerifiedToken {
        Objects.requireNonNull(user, "user");
        groups = List.copyOf(groups);
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Objects.requireNonNull(subject, "subject");
    }
}
