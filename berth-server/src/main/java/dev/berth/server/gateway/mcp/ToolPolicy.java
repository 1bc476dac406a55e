package dev.berth.server.gateway.mcp;

import dev.berth.server.gateway.GatewayConfig;
import java.util.List;
import java.util.Map;

/**
 * Which tools a session sees and may call. A tool is named {@code SERVER__TOOL} towards sandboxes;
 * it is allowed when its server's {@code tools} list names it (or the list is empty) and, for a
 * session of a runtime listed under {@code [mcp.runtimes]}, that list names the prefixed tool (an
 * entry ending in {@code *} names every tool starting with what precedes it), and, for a session
 * whose owner's role is listed under {@code [mcp.roles]}, that list names it too.
 */
record ToolPolicy(Map<String, McpServerConfig> servers, Map<String, List<String>> runtimes,
        Map<String, List<String>> roles) {
    static final String SEPARATOR = "__";

    static ToolPolicy of(GatewayConfig.Mcp mcp) {
        return new ToolPolicy(mcp.servers(), mcp.runtimes(), mcp.roles());
    }

    static String prefixed(String server, String tool) {
        return server + SEPARATOR + tool;
    }

    /**
     * Whether a session of {@code runtimeName} (null for a plain session) whose owner has {@code role}
     * (null when unknown) may use {@code server}'s {@code tool}.
     */
    boolean allows(String runtimeName, String role, String server, String tool) {
        McpServerConfig config = servers.get(server);
        if (config == null) {
            return false;
        }
        if (config.tools() != null && !config.tools().isEmpty() && !config.tools().contains(tool)) {
            return false;
        }
        String name = prefixed(server, tool);
        return listed(runtimeName == null ? null : runtimes.get(runtimeName), name)
                && listed(role == null ? null : roles.get(role), name);
    }

    /** Whether an allow-list (null: none, so everything) names the prefixed tool. */
    private static boolean listed(List<String> allowed, String name) {
        if (allowed == null) {
            return true;
        }
        for (String entry : allowed) {
            if (entry.equals(name) || entry.endsWith("*") && name.startsWith(entry.substring(0, entry.length() - 1))) {
                return true;
            }
        }
        return false;
    }
}
