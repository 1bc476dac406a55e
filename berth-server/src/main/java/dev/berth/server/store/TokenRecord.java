package dev.berth.server.store;

import dev.berth.api.model.Role;
import java.time.Instant;
import java.util.List;

/**
 * A local API token as stored: never the secret, only its SHA-256.
 *
 * @param runtimes the runtimes its user may make sessions from; null: any
 * @param expiresAt null: never
 * @param revokedAt null: not revoked
 * @param createdBy the principal who created it
 */
public record TokenRecord(String id, String user, Role role, List<String> groups, List<String> runtimes,
        String secretSha256, Instant createdAt, Instant expiresAt, Instant revokedAt, String createdBy) {

    public TokenRecord {
        groups = List.copyOf(groups);
        runtimes = runtimes == null ? null : List.copyOf(runtimes);
    }

    public TokenRecord revoked(Instant at) {
        return new TokenRecord(id, user, role, groups, runtimes, secretSha256, createdAt, expiresAt, at, createdBy);
    }

    /** Usable at {@code now}: neither revoked nor expired. */
    public boolean validAt(Instant now) {
        return revokedAt == null && (expiresAt == null || now.isBefore(expiresAt));
    }
}
