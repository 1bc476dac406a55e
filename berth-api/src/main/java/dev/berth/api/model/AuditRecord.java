package dev.berth.api.model;

import java.time.Instant;
import java.util.Map;

/**
 * An audit event as the API reports it: who ({@code principal}, by {@code authMethod}, from
 * {@code source}) did what ({@code action} on {@code resource}) in which session, when, with what
 * {@code outcome} ({@code ok}, {@code denied}, {@code error:CODE}, {@code lost}).
 */
public record AuditRecord(long seq, Instant time, String principal, String authMethod, String source, String session,
        String resource, String action, String outcome, Map<String, Object> details) {}
