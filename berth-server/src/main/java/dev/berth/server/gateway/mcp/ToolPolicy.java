package dev.berth.server.gateway.mcp;

import dev.berth.server.gateway.GatewayConfig;
import java.util.List;
import java.util.Map;

/**
 * Which tools a session sees and may call. A tool is named {@code SERVER__TOOL} towards sandboxes;
 * it is allowed when its server's {@code tools} list names it (or the list is empty) and, for a
 * session of a runtime listed under {@code [mcp.runtimes]}, that list names the prefixed tool (an
 * entry ending in {@code *} names every tool starting with what precedes it).
 */
record ToolPolicy(Map<String, McpServerConfig> servers, Map<String, List<String>> runtimes) {
    static final String SEPARATOR = "__";

    static ToolPolicy of(GatewayConfig.Mcp mcp) {
        return new ToolPolicy(mcp.servers(), mcp.runtimes());
    }

    static String prefixed(String server, String tool) {
        return server + SEPARATOR + tool;
    }

    /** Whether a session of {@code runtimeName} (null for a plain session) may use {@code server}'s {@code tool}. */
    boolean allows(String runtimeName, String server, String tool) {
        McpServerConfig config = servers.get(server);
        if (config == null) {
            return false;
        }
        if (config.tools() != null && !config.tools().isEmpty() && !config.tools().contains(tool)) {
            return false;
        }
        List<String> allowed = runtimeName == null ? null : runtimes.get(runtimeName);
        if (allowed == null) {
            return true;
        }
        String name = prefixed(server, tool);
        for (String entry : allowed) {
            if (entry.equals(name) || entry.endsWith("*") && name.startsWith(entry.substring(0, entry.length() - 1))) {
                return true;
            }
        }
        return false;
    }
}
