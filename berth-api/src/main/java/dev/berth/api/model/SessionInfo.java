package dev.berth.api.model;

import java.time.Instant;
import java.util.Map;

/** A session as the API reports it. */
public record SessionInfo(
        String id,
        SessionState state,
        Instant createdAt,
        Instant lastActivityAt,
        Limits limits,
        Map<String, String> env,
        String workspace) {}
