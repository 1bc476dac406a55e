package dev.berth.server.gateway.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import dev.berth.server.audit.AuditEvent;
import dev.berth.server.gateway.GatewayConfig;
import dev.berth.server.gateway.GatewayServer;
import dev.berth.server.gateway.GatewaySession;
import dev.berth.server.gateway.GatewayTags;
import dev.berth.server.testing.GatewayTap;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MCP gateway with real upstream servers: {@code @modelcontextprotocol/server-everything} and
 * {@code server-filesystem} from npm over stdio, a TypeScript SDK server of the test's own (slow,
 * cancellable) over stdio, and a Java SDK server over Streamable HTTP on loopback; driven through a
 * {@link GatewayTap} (as from a sandbox) by the Java SDK's client and by the TypeScript SDK's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class McpGatewayTest {
    static final Path NODE_MODULES = Path.of("/usr/lib/node_modules");
    static final Path EVERYTHING = NODE_MODULES.resolve("@modelcontextprotocol/server-everything/dist/index.js");
    static final Path FILESYSTEM = NODE_MODULES.resolve("@modelcontextprotocol/server-filesystem/dist/index.js");
    static final Path TS_SDK = NODE_MODULES.resolve("@modelcontextprotocol/sdk/package.json");

    private Path dir;
    private final List<AuditEvent> audit = new CopyOnWriteArrayList<>();
    private GatewayTags tags;
    private GatewayServer gateway;
    private McpGateway mcp;
    private RemoteMcpServer remote;
    private Path files;
    private Path markers;
    private GatewayTap plain;
    private GatewayTap restricted;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        dir = tmp;
        for (Path p : List.of(EVERYTHING, FILESYSTEM, TS_SDK)) {
            Assumptions.assumeTrue(Files.exists(p), "MCP npm packages missing (" + p + "): run scripts/test-deps as root");
        }
        Assumptions.assumeTrue(onPath("node"), "node is not on PATH");
        files = Files.createDirectories(dir.resolve("files"));
        Files.writeString(files.resolve("hello.txt"), "hello from the host\n");
        markers = Files.createDirectories(dir.resolve("markers"));
        remote = new RemoteMcpServer();
        Map<String, byte[]> secrets = Map.of("remote-token", "Bearer r3m0te-s3cret".getBytes(StandardCharsets.UTF_8),
                "everything-token", "e-s3cret".getBytes(StandardCharsets.UTF_8));
        Map<String, McpServerConfig> servers = Map.of(
                "everything", new McpServerConfig(List.of("node", EVERYTHING.toString(), "stdio"),
                        Map.of("EVERYTHING_TOKEN", "secret:everything-token"), null, null, null, List.of("message")),
                "fs", new McpServerConfig(List.of("node", FILESYSTEM.toString(), files.toString()), null, null, null,
                        List.of("read_text_file", "list_directory"), null),
                "slow", new McpServerConfig(List.of("node", resource("mcp/slow-server.cjs").toString()),
                        Map.of("NODE_PATH", NODE_MODULES.toString(), "MARKER_DIR", markers.toString()), null, null, null, null),
                "remote", new McpServerConfig(null, null, remote.url(), Map.of("Authorization", "secret:remote-token"),
                        null, null));
        GatewayConfig.Mcp config = new GatewayConfig.Mcp(servers,
                Map.of("restricted", List.of("everything__echo", "fs__*")));
        mcp = new McpGateway(config, name -> Optional.ofNullable(secrets.get(name)), audit::add);
        tags = GatewayTags.loadOrCreate(dir.resolve("tag.key"));
        gateway = new GatewayServer(dir.resolve("gateway.sock"),
                tag -> tags.sessionOf(tag).map(id -> new GatewaySession(id, "alice", id.startsWith("r-") ? "restricted@3" : null,
                        tags.modelKey(id))),
                List.of(new GatewayServer.Mount(McpGateway.PATH, mcp)), null);
        gateway.start();
        plain = new GatewayTap(gateway.socket(), tags.connectionTag("p-1"));
        restricted = new GatewayTap(gateway.socket(), tags.connectionTag("r-1"));
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {plain, restricted, gateway, remote}) {
            if (c != null) {
                c.close();
            }
        }
    }

    private static boolean onPath(String command) {
        return java.util.Arrays.stream(System.getenv("PATH").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, command)));
    }

    private static Path resource(String name) throws Exception {
        return Path.of(McpGatewayTest.class.getClassLoader().getResource(name).toURI());
    }

    private McpSyncClient client(GatewayTap tap, List<McpSchema.ProgressNotification> progress) {
        McpSyncClient c = McpClient.sync(HttpClientStreamableHttpTransport.builder(tap.uri().toString()).endpoint("/mcp").build())
                .requestTimeout(Duration.ofSeconds(60))
                .progressConsumer(progress::add)
                .build();
        c.initialize();
        return c;
    }

    private static String text(McpSchema.CallToolResult r) {
        return r.content().stream().map(c -> ((McpSchema.TextContent) c).text()).collect(Collectors.joining());
    }

    private static Set<String> names(McpSyncClient c) {
        return c.listTools().tools().stream().map(McpSchema.Tool::name).collect(Collectors.toSet());
    }

    private List<AuditEvent> audited(String tool) {
        return audit.stream().filter(e -> ("tool/" + tool).equals(e.resource())).toList();
    }

    @Test
    void listsNamespacedToolsFilteredByServerAndRuntime() {
        try (McpSyncClient all = client(plain, new ArrayList<>()); McpSyncClient few = client(restricted, new ArrayList<>())) {
            assertThat(names(all)).contains("everything__echo", "everything__get-sum", "everything__trigger-long-running-operation",
                    "fs__read_text_file", "fs__list_directory", "slow__wait", "remote__whoami")
                    .doesNotContain("fs__write_file", "echo");
            assertThat(names(few)).containsExactlyInAnyOrder("everything__echo", "fs__read_text_file", "fs__list_directory");
        }
    }

    @Test
    void callsToolsOfStdioAndRemoteServers() {
        try (McpSyncClient c = client(plain, new ArrayList<>())) {
            assertThat(text(c.callTool(new McpSchema.CallToolRequest("everything__echo", Map.of("message", "hi there")))))
                    .contains("hi there");
            assertThat(text(c.callTool(new McpSchema.CallToolRequest("everything__get-sum", Map.of("a", 2, "b", 40)))))
                    .contains("42");
            assertThat(text(c.callTool(new McpSchema.CallToolRequest("fs__read_text_file",
                    Map.of("path", files.resolve("hello.txt").toString()))))).isEqualTo("hello from the host\n");
            // the configured header, with the secret swapped in on the host side, reached the remote server
            assertThat(text(c.callTool(new McpSchema.CallToolRequest("remote__whoami", Map.of()))))
                    .isEqualTo("Bearer r3m0te-s3cret");
        }
        assertThat(audited("everything__get-sum")).last().satisfies(e -> {
            assertThat(e.action()).isEqualTo("mcp.tool.call");
            assertThat(e.outcome()).isEqualTo("ok");
            assertThat(e.principal()).isEqualTo("alice");
            assertThat(e.authMethod()).isEqualTo("gateway");
            assertThat(e.session()).isEqualTo("p-1");
            assertThat(e.details()).containsEntry("arguments", Map.of("a", 2, "b", 40)).containsEntry("isError", false)
                    .containsKey("durationMs");
        });
    }

    @Test
    void argumentsNamedForRedactionAreRedactedInAudit() {
        try (McpSyncClient c = client(plain, new ArrayList<>())) {
            assertThat(text(c.callTool(new McpSchema.CallToolRequest("everything__echo", Map.of("message", "tok-123"))))).contains("tok-123");
        }
        assertThat(audited("everything__echo")).last().satisfies(e -> {
            assertThat(e.details()).containsEntry("arguments", Map.of("message", "[redacted]"));
            assertThat(e.toString()).doesNotContain("tok-123");
        });
    }

    @Test
    void aDisallowedToolIsRefusedAndAuditedAsDenied() {
        try (McpSyncClient few = client(restricted, new ArrayList<>()); McpSyncClient all = client(plain, new ArrayList<>())) {
            assertThatThrownBy(() -> few.callTool(new McpSchema.CallToolRequest("everything__get-sum", Map.of("a", 1, "b", 2))))
                    .isInstanceOf(McpError.class).hasMessageContaining("tool_denied");
            // not in the server's own allow-list: refused to every session
            assertThatThrownBy(() -> all.callTool(new McpSchema.CallToolRequest("fs__write_file",
                    Map.of("path", files.resolve("x").toString(), "content", "x"))))
                    .isInstanceOf(McpError.class).hasMessageContaining("tool_denied");
            assertThatThrownBy(() -> all.callTool(new McpSchema.CallToolRequest("nothing__here", Map.of())))
                    .isInstanceOf(McpError.class);
        }
        assertThat(files.resolve("x")).doesNotExist();
        assertThat(audited("everything__get-sum")).filteredOn(e -> "r-1".equals(e.session())).singleElement()
                .satisfies(e -> {
                    assertThat(e.outcome()).isEqualTo("denied");
                    assertThat(e.details()).containsEntry("message", "tool_denied");
                });
        assertThat(audited("fs__write_file")).singleElement().extracting(AuditEvent::outcome).isEqualTo("denied");
        assertThat(audited("nothing__here")).singleElement().extracting(AuditEvent::outcome).isEqualTo("error:tool_not_found");
    }

    @Test
    void upstreamProgressReachesTheClientUnderItsOwnToken() {
        List<McpSchema.ProgressNotification> progress = new CopyOnWriteArrayList<>();
        try (McpSyncClient c = client(plain, progress)) {
            McpSchema.CallToolResult r = c.callTool(new McpSchema.CallToolRequest("everything__trigger-long-running-operation",
                    Map.of("duration", 0.5, "steps", 5), Map.of("progressToken", "my-token")));
            assertThat(text(r)).contains("Long running operation completed");
        }
        assertThat(progress).extracting(McpSchema.ProgressNotification::progress).containsExactly(1.0, 2.0, 3.0, 4.0, 5.0);
        assertThat(progress).extracting(McpSchema.ProgressNotification::progressToken).containsOnly("my-token");
        assertThat(progress).extracting(McpSchema.ProgressNotification::total).containsOnly(5.0);
    }

    @Test
    void aNodeClientListsCallsAndSeesProgress() throws Exception {
        JsonNode list = node(plain, "list");
        assertThat(list.get("tools").toString()).contains("\"everything__echo\"", "\"fs__read_text_file\"");
        JsonNode call = node(plain, "call", "everything__trigger-long-running-operation", "{\"duration\":0.3,\"steps\":3}");
        assertThat(call.at("/result/content/0/text").asText()).contains("completed");
        assertThat(call.get("progress").toString()).isEqualTo("[1,2,3]");
        JsonNode denied = node(restricted, "call", "everything__get-sum", "{\"a\":1,\"b\":2}");
        assertThat(denied.at("/error/message").asText()).contains("tool_denied");
    }

    @Test
    void cancellingACallStopsItUpstream() throws Exception {
        JsonNode out = node(plain, "cancel", "slow__wait", "{\"label\":\"node\"}", "3");
        assertThat(out.get("cancelled").asBoolean()).isTrue();
        // the TypeScript SDK server aborted the request when the gateway passed notifications/cancelled on
        await().atMost(10, TimeUnit.SECONDS).until(() -> Files.exists(markers.resolve("cancelled-node")));
        await().atMost(10, TimeUnit.SECONDS).until(() -> audited("slow__wait").stream()
                .anyMatch(e -> e.outcome().equals("error:tool_cancelled")));
    }

    @Test
    void aStdioServerThatDiesIsStartedAgain() throws Exception {
        try (McpSyncClient c = client(plain, new ArrayList<>())) {
            long pid = Long.parseLong(text(c.callTool(new McpSchema.CallToolRequest("slow__pid", Map.of()))));
            ProcessHandle server = ProcessHandle.of(pid).orElseThrow();
            server.destroyForcibly();
            server.onExit().get(10, TimeUnit.SECONDS);
            await().atMost(20, TimeUnit.SECONDS).ignoreExceptions().until(() ->
                    Long.parseLong(text(c.callTool(new McpSchema.CallToolRequest("slow__pid", Map.of())))) != pid);
        }
    }

    @Test
    void aToolAddedUpstreamIsOfferedAndAnnounced() {
        List<List<McpSchema.Tool>> announced = new CopyOnWriteArrayList<>();
        McpSyncClient c = McpClient.sync(HttpClientStreamableHttpTransport.builder(plain.uri().toString()).endpoint("/mcp").build())
                .toolsChangeConsumer(announced::add)
                .build();
        try (c) {
            c.initialize();
            assertThat(names(c)).doesNotContain("remote__late");
            remote.addTool("late");
            await().atMost(20, TimeUnit.SECONDS).until(() -> announced.stream().flatMap(List::stream)
                    .anyMatch(t -> t.name().equals("remote__late")));
            assertThat(text(c.callTool(new McpSchema.CallToolRequest("remote__late", Map.of())))).isEqualTo("late");
        }
    }

    @Test
    void aStdioServerSeesOnlyItsOwnEnvironment() throws Exception {
        try (McpSyncClient c = client(plain, new ArrayList<>())) {
            JsonNode env = Json.mapper().readTree(text(c.callTool(new McpSchema.CallToolRequest("everything__get-env", Map.of()))));
            Set<String> names = new java.util.TreeSet<>();
            env.fieldNames().forEachRemaining(names::add);
            assertThat(names).contains("EVERYTHING_TOKEN", "PATH");
            assertThat(env.get("EVERYTHING_TOKEN").asText()).isEqualTo("e-s3cret");
            Set<String> allowed = new java.util.HashSet<>(Upstream.INHERITED_ENV);
            allowed.add("EVERYTHING_TOKEN");
            // node's own additions aside, nothing of the gateway's environment (JAVA_HOME, MAVEN_*, …) is there
            assertThat(names.stream().filter(n -> !allowed.contains(n) && !n.startsWith("NODE") && !n.equals("_")))
                    .isEmpty();
        }
    }

    private JsonNode node(GatewayTap tap, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("node", resource("mcp/client.cjs").toString(), tap.uri() + "/mcp"));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("NODE_PATH", NODE_MODULES.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("node client: %s", out).isZero();
        return Json.mapper().readTree(out);
    }

}
