package dev.berth.api.model;

import java.util.List;

/**
 * {@code POST /v1/tokens}.
 *
 * @param ttlSeconds how long the token is valid; null: until revoked
 * @param runtimes the runtimes a {@code user} may make sessions from; null: any
 */
public record CreateTokenRequest(String user, Role role, Long ttlSeconds, List<String> groups, List<String> runtimes) {}
