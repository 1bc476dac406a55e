package dev.berth.api.model;

import java.util.List;

/** {@code POST /v1/sessions/{id}/share} and {@code …/unshare}: users and groups to add or remove. */
public record ShareRequest(List<String> users, List<String> groups) {}
