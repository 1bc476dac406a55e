package dev.berth.server.gateway.mcp;

import java.util.List;
import java.util.Map;

/**
 * An upstream MCP server the gateway aggregates: either a stdio server it starts on the host
 * ({@code command}, with {@code env}) or a remote Streamable HTTP server ({@code url}, with
 * {@code headers}). A value {@code secret:NAME} in {@code env} or {@code headers} is replaced by
 * that secret from the store, on the host side only.
 *
 * @param tools the upstream tools sandboxes may call (unprefixed names); null or empty for all
 * @param redact argument names whose values audit records replace by {@code "[redacted]"}
 */
public record McpServerConfig(List<String> command, Map<String, String> env, String url, Map<String, String> headers,
        List<String> tools, List<String> redact) {}
