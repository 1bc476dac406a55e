package dev.berth.server;

import static dev.berth.server.CommandsApiTest.collect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import dev.berth.api.client.BerthClient;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.CreateTokenRequest;
import dev.berth.api.model.Role;
import dev.berth.server.CommandsApiTest.Collected;
import dev.berth.server.config.ServerConfig;
import dev.berth.server.gateway.GatewayConfig;
import dev.berth.server.gateway.mcp.McpServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real MCP client (the TypeScript SDK's) inside a real session's sandbox, at $BERTH_MCP_URL, with
 * real upstream servers from npm on the host: tools listed and called, progress and cancellation
 * across the shim's relay and the gateway, a tool outside the allow-list refused and audited.
 */
@Timeout(240)
class McpFromSandboxTest {
    private static final Path NODE_MODULES = Path.of("/usr/lib/node_modules");
    private static final Path EVERYTHING = NODE_MODULES.resolve("@modelcontextprotocol/server-everything/dist/index.js");
    private static final Path FILESYSTEM = NODE_MODULES.resolve("@modelcontextprotocol/server-filesystem/dist/index.js");
    @TempDir
    Path data;
    @TempDir
    Path files;
    private TestServer server;
    private BerthClient client;

    @BeforeEach
    void start() throws Exception {
        for (Path p : List.of(EVERYTHING, FILESYSTEM, NODE_MODULES.resolve("@modelcontextprotocol/sdk/package.json"))) {
            Assumptions.assumeTrue(Files.exists(p), "MCP npm packages missing (" + p + "): run scripts/test-deps as root");
        }
        Files.writeString(files.resolve("notes.txt"), "read on the host, for the sandbox\n");
        Path slow = Path.of(getClass().getClassLoader().getResource("mcp/slow-server.cjs").toURI());
        GatewayConfig gateway = new GatewayConfig(null, null, new GatewayConfig.Mcp(Map.of(
                "everything", new McpServerConfig(List.of("node", EVERYTHING.toString(), "stdio"), null, null, null,
                        List.of("echo", "trigger-long-running-operation"), null),
                "fs", new McpServerConfig(List.of("node", FILESYSTEM.toString(), files.toString()), null, null, null,
                        List.of("read_text_file"), null),
                "slow", new McpServerConfig(List.of("node", slow.toString()),
                        Map.of("NODE_PATH", NODE_MODULES.toString(), "MARKER_DIR", files.toString()), null, null, null, null)),
                null, Map.of("user", List.of("everything__echo", "fs__*"))), null);
        server = TestServer.start(ServerConfig.defaults(data).withGateway(gateway));
        server.assumeSandboxes();
        client = server.client();
        client.createSession(CreateSessionRequest.of("mcp", null, null));
        // the client script goes into the session's workspace; its SDK comes from the host's /usr (read-only)
        Path script = Path.of(getClass().getClassLoader().getResource("mcp/client.cjs").toURI());
        Files.copy(script, data.resolve("sessions/mcp/workspace/client.cjs"));
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.removeSessionsAndClose();
        }
    }

    private JsonNode mcp(String... args) throws Exception {
        return mcpIn(client, "mcp", args);
    }

    private static JsonNode mcpIn(BerthClient as, String session, String... args) throws Exception {
        Collected r = collect(as.runCommand(session, CommandRequest.shell(
                "NODE_PATH=/usr/lib/node_modules node /mnt/workspace/client.cjs \"$BERTH_MCP_URL\" "
                        + String.join(" ", args))));
        assertThat(r.exit().status().code()).as(r.stderr()).isZero();
        return Json.mapper().readTree(r.stdout());
    }

    @Test
    void aUsersSessionSeesOnlyWhatTheirRoleMayCall() throws Exception {
        String secret = client.createToken(new CreateTokenRequest("alice", Role.USER, null, null, null)).secret();
        try (BerthClient alice = new BerthClient(server.server.uri(), secret)) {
            alice.createSession(CreateSessionRequest.of("mcp-alice", null, null));
            Path script = Path.of(getClass().getClassLoader().getResource("mcp/client.cjs").toURI());
            Files.copy(script, data.resolve("sessions/mcp-alice/workspace/client.cjs"));
            assertThat(mcpIn(alice, "mcp-alice", "list").get("tools").toString())
                    .contains("\"everything__echo\"", "\"fs__read_text_file\"")
                    .doesNotContain("everything__trigger-long-running-operation").doesNotContain("slow__wait");
            JsonNode refused = mcpIn(alice, "mcp-alice", "call", "slow__pid", "'{}'");
            assertThat(refused.get("error").get("message").asText()).contains("tool_denied");
            alice.deleteSession("mcp-alice");
        }
        // the admin's session, on the same server, sees them all
        assertThat(mcp("list").get("tools").toString()).contains("\"slow__wait\"");
    }

    @Test
    void aClientInsideTheSandboxListsCallsFollowsProgressAndCancels() throws Exception {
        assertThat(mcp("list").get("tools").toString()).contains("\"everything__echo\"",
                "\"everything__trigger-long-running-operation\"", "\"fs__read_text_file\"", "\"slow__wait\"")
                .doesNotContain("fs__write_file").doesNotContain("everything__get-env");

        assertThat(mcp("call", "everything__echo", "'{\"message\":\"from the sandbox\"}'").toString())
                .contains("from the sandbox");
        assertThat(mcp("call", "fs__read_text_file", "'{\"path\":\"" + files.resolve("notes.txt") + "\"}'").toString())
                .contains("read on the host, for the sandbox");

        JsonNode progress = mcp("call", "everything__trigger-long-running-operation", "'{\"duration\":0.3,\"steps\":3}'");
        assertThat(progress.get("progress")).hasSize(3);

        JsonNode cancelled = mcp("cancel", "slow__wait", "'{\"label\":\"sandbox\"}'", "2");
        assertThat(cancelled.get("cancelled").asBoolean()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(files.resolve("cancelled-sandbox")));

        // a path of this test's own: another test's /tmp/x must not make this one fail
        Path notWritten = files.resolve("written-if-allowed");
        JsonNode denied = mcp("call", "fs__write_file", "'{\"path\":\"" + notWritten + "\",\"content\":\"no\"}'");
        assertThat(denied.get("error").get("code").asInt()).isEqualTo(-32602);
        assertThat(denied.get("error").get("message").asText()).contains("tool_denied");
        assertThat(Files.exists(notWritten)).isFalse();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String log = server.send("GET", "/v1/audit?action=mcp.tool.call&session=mcp", null).body();
            assertThat(log).contains("\"resource\":\"tool/everything__echo\"", "\"outcome\":\"ok\"",
                    "\"resource\":\"tool/slow__wait\"", "\"outcome\":\"error:tool_cancelled\"",
                    "\"resource\":\"tool/fs__write_file\"", "\"outcome\":\"denied\"", "\"principal\":\"admin\"");
        });
    }
}
