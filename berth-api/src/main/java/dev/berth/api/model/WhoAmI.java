package dev.berth.api.model;

import java.util.List;

/** {@code GET /v1/whoami}: the caller as the server sees them. */
public record WhoAmI(String user, Role role, List<String> groups, String authMethod, List<String> runtimes) {}
