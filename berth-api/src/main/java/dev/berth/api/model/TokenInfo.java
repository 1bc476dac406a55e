package dev.berth.api.model;

import java.time.Instant;
import java.util.List;

/**
 * A local API token as the API reports it: never its secret.
 *
 * @param state {@code active}, {@code expired} or {@code revoked}
 * @param runtimes the runtimes its user may make sessions from; null: any
 */
public record TokenInfo(String id, String user, Role role, List<String> groups, List<String> runtimes,
        Instant createdAt, Instant expiresAt, Instant revokedAt, String createdBy, String state) {}
