package dev.berth.api.model;

import java.time.Instant;

/**
 * A stored secret as the API reports it: never its value, which no API returns.
 *
 * @param updatedBy who last set it
 */
public record SecretInfo(String name, Instant createdAt, Instant updatedAt, String updatedBy) {}
