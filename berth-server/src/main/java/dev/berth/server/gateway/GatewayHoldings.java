package dev.berth.server.gateway;

import dev.berth.server.gateway.mcp.McpGateway;
import dev.berth.server.gateway.model.ModelUsage;
import dev.berth.server.sessions.SessionWatcher;
import dev.berth.server.store.SessionRecord;

/**
 * What the gateway holds of a running session in memory (who it is, its spending and budget, its
 * MCP endpoint), dropped when its sandbox starts anew or goes: a later session of the same id,
 * perhaps another user's, starts from the store.
 */
public final class GatewayHoldings implements SessionWatcher {
    private final GatewayNetwork network;
    private final ModelUsage usage;
    private final McpGateway mcp;

    public GatewayHoldings(GatewayNetwork network, ModelUsage usage, McpGateway mcp) {
        this.network = network;
        this.usage = usage;
        this.mcp = mcp;
    }

    @Override
    public void started(SessionRecord s) {
        network.forget(s.id());
    }

    @Override
    public void down(String id) {
        network.forget(id);
        usage.forget(id);
        mcp.close(id);
    }
}
