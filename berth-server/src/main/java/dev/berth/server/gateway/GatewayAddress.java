package dev.berth.server.gateway;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a sandbox finds the gateway: a fixed address on its own loopback, served by the sandbox's
 * shim, which relays each connection to the gateway's unix socket on the host. The same inside
 * every sandbox, so runtimes can be built against it.
 */
public final class GatewayAddress {
    public static final String HOST = "127.0.0.1";
    public static final int PORT = 7761;
    public static final String URL = "http://" + HOST + ":" + PORT;

    private GatewayAddress() {}

    /**
     * What Berth adds to every sandboxed process's environment: where the gateway is, where model
     * SDKs and MCP clients should go, the egress proxy, and the session's placeholder model key
     * (never a real one).
     */
    public static Map<String, String> sandboxEnv(String modelKey) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("BERTH_GATEWAY_URL", URL);
        env.put("BERTH_MCP_URL", URL + "/mcp");
        env.put("ANTHROPIC_BASE_URL", URL + "/model/anthropic");
        env.put("ANTHROPIC_API_KEY", modelKey);
        env.put("OPENAI_BASE_URL", URL + "/model/openai/v1");
        env.put("OPENAI_API_KEY", modelKey);
        env.put("GOOGLE_GEMINI_BASE_URL", URL + "/model/gemini");
        env.put("GEMINI_API_KEY", modelKey);
        env.put("HTTP_PROXY", URL);
        env.put("HTTPS_PROXY", URL);
        env.put("http_proxy", URL);
        env.put("https_proxy", URL);
        env.put("NO_PROXY", "127.0.0.1,localhost");
        env.put("no_proxy", "127.0.0.1,localhost");
        return env;
    }
}
