package dev.berth.server;

import static dev.berth.server.CommandsApiTest.collect;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.berth.api.client.BerthClient;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.server.CommandsApiTest.Collected;
import dev.berth.server.config.SecretsPolicy;
import dev.berth.server.config.ServerConfig;
import dev.berth.server.gateway.GatewayConfig;
import dev.berth.server.gateway.model.ModelProvider;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model key set on the host reaches the upstream, and is found nowhere a sandbox can look: not in
 * its environment, not in any of its processes' environ or cmdline, not in any file of its own. The
 * scan runs from the host (through the sandbox init's /proc/PID/root), so the secret is never
 * brought into the sandbox to be searched for.
 */
@Timeout(240)
class SecretNowhereInSandboxTest {
    /** The host's own system trees, bound read-only into every sandbox: the same files the host has. */
    private static final Set<String> HOST_SYSTEM = Set.of("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "opt",
            "proc", "sys", "dev");
    @TempDir
    Path data;
    @TempDir
    Path keys;
    private TestServer server;
    private BerthClient client;
    private HttpServer upstream;
    private final List<String> keysSeen = new CopyOnWriteArrayList<>();
    private final String secret = "sk-ant-test-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(24));

    @BeforeEach
    void start() throws Exception {
        upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        upstream.createContext("/v1/messages", x -> {
            keysSeen.add(String.valueOf(x.getRequestHeaders().getFirst("x-api-key")));
            x.getRequestBody().readAllBytes();
            byte[] b = """
                    {"id":"msg_1","type":"message","role":"assistant","model":"claude-test","content":[{"type":"text","text":"hi"}],
                     "stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":1}}""".getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", "application/json");
            x.sendResponseHeaders(200, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        upstream.start();
        GatewayConfig gateway = new GatewayConfig(Map.of("anthropic", new ModelProvider("anthropic",
                "http://127.0.0.1:" + upstream.getAddress().getPort(), "anthropic-key")), null, null, null);
        server = TestServer.start(ServerConfig.defaults(data).withGateway(gateway)
                .withSecrets(SecretsPolicy.keyFile(keys.resolve("secrets.key"))));
        server.assumeSandboxes();
        client = server.client();
    }

    @AfterEach
    void stop() throws Exception {
        if (upstream != null) {
            upstream.stop(0);
        }
        if (server != null) {
            server.removeSessionsAndClose();
        }
    }

    @Test
    void theUpstreamGetsTheKeyAndTheSandboxHasItNowhere() throws Exception {
        client.setSecret("anthropic-key", secret.getBytes(StandardCharsets.UTF_8));
        client.createSession(CreateSessionRequest.of("scan", null, null));

        // a model call from inside, as an SDK makes it; a second process keeps running during the scan
        Collected call = collect(client.runCommand("scan", CommandRequest.shell(
                "(sleep 300 &) ; curl -sS --max-time 20 \"$ANTHROPIC_BASE_URL/v1/messages\" -H \"x-api-key: $ANTHROPIC_API_KEY\""
                        + " -H 'anthropic-version: 2023-06-01' -H 'content-type: application/json'"
                        + " -d '{\"model\":\"claude-test\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'")));
        assertThat(call.exit().status().code()).as(call.stderr()).isZero();
        assertThat(call.stdout()).contains("\"text\":\"hi\"");
        assertThat(keysSeen).containsExactly(secret);

        // what the sandbox's processes see of themselves and each other
        Collected inside = collect(client.runCommand("scan", CommandRequest.shell(
                "env; for p in /proc/[0-9]*; do cat $p/environ $p/cmdline 2>/dev/null; echo; done; ps -ef 2>/dev/null")));
        assertThat(inside.exit().status().code()).isZero();
        assertThat(inside.stdout()).contains("ANTHROPIC_API_KEY=berth-session-", "sleep")
                .doesNotContain(secret).doesNotContain(secret.substring(12));

        // every file of the sandbox's own, seen from the host through its init's root
        long init = Long.parseLong(Files.readString(data.resolve("sessions/scan/state/init.pid")).strip());
        Path root = Path.of("/proc", Long.toString(init), "root");
        List<Path> scanned = new ArrayList<>();
        byte[] needle = secret.getBytes(StandardCharsets.UTF_8);
        try (Stream<Path> top = Files.list(root)) {
            for (Path entry : top.toList()) {
                if (HOST_SYSTEM.contains(entry.getFileName().toString())) {
                    continue;
                }
                try (Stream<Path> all = Files.walk(entry)) {
                    for (Path f : all.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
                        scanned.add(f);
                        assertThat(contains(f, needle)).as("%s holds the secret", f).isFalse();
                    }
                }
            }
        }
        assertThat(scanned).as("the scan reached the sandbox's own files")
                .anySatisfy(p -> assertThat(p.toString()).contains("/etc/"));
    }

    private static boolean contains(Path f, byte[] needle) throws IOException {
        byte[] hay;
        try {
            hay = Files.readAllBytes(f);
        } catch (IOException e) {
            return false; // unreadable to root as well (a socket, a vanished temp file)
        }
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
