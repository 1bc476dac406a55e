package dev.berth.api.model;

import java.util.Map;

/** {@code POST /v1/sessions}. Every field is optional; a missing id is generated. */
public record CreateSessionRequest(String id, Map<String, String> env, Limits limits) {}
