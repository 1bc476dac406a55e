package dev.berth.server;

import static dev.berth.server.CommandsApiTest.collect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.berth.api.client.BerthClient;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.Egress;
import dev.berth.server.CommandsApiTest.Collected;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * From inside a real session's sandbox: the gateway is at its fixed address, the host's loopback is
 * not, and the HTTPS proxy opens exactly the tunnels the session's rules allow, each one audited.
 */
@Timeout(180)
class EgressFromSandboxTest {
    @TempDir
    Path data;
    private TestServer server;
    private BerthClient client;
    private HttpServer allowed;
    private HttpServer other;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(data);
        server.assumeSandboxes();
        client = server.client();
        allowed = hostService("hello from the allowed host service");
        other = hostService("this must never be read");
    }

    @AfterEach
    void stop() throws Exception {
        if (allowed != null) {
            allowed.stop(0);
            other.stop(0);
        }
        if (server != null) {
            server.removeSessionsAndClose();
        }
    }

    private static HttpServer hostService(String answer) throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        s.createContext("/", x -> {
            byte[] b = answer.getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        s.start();
        return s;
    }

    private Collected sh(String session, String script) throws Exception {
        return collect(client.runCommand(session, CommandRequest.shell(script)));
    }

    @Test
    void onlyAllowedTunnelsLeaveAndEveryAttemptIsAudited() throws Exception {
        int a = allowed.getAddress().getPort();
        int b = other.getAddress().getPort();
        client.createSession(new CreateSessionRequest("egress", null, null, null, null, null, null,
                new Egress(List.of("127.0.0.1:" + a), List.of())));

        assertThat(client.session("egress").egress().domains()).containsExactly("127.0.0.1:" + a);
        Collected env = sh("egress", "echo $BERTH_GATEWAY_URL $HTTPS_PROXY $ANTHROPIC_API_KEY");
        assertThat(env.stdout()).startsWith("http://127.0.0.1:7761 http://127.0.0.1:7761 berth-session-");

        // straight to the host's loopback: the sandbox's own loopback has nothing there
        Collected direct = sh("egress", "curl -sS --noproxy '*' --max-time 5 http://127.0.0.1:" + a + "/");
        assertThat(direct.exit().status().code()).isNotZero();
        assertThat(direct.stdout()).isEmpty();

        // the target is the host's loopback, named by a literal rule; --noproxy '' overrides NO_PROXY=127.0.0.1
        Collected tunnel = sh("egress", "curl -sS --noproxy '' --max-time 10 -p -x \"$HTTPS_PROXY\" http://127.0.0.1:" + a + "/");
        assertThat(tunnel.exit().status().code()).as(tunnel.stderr()).isZero();
        assertThat(tunnel.stdout()).isEqualTo("hello from the allowed host service");

        Collected refused = sh("egress", "curl -sS --noproxy '' --max-time 10 -p -x \"$HTTPS_PROXY\" http://127.0.0.1:" + b + "/");
        assertThat(refused.exit().status().code()).isNotZero();
        assertThat(refused.stdout()).doesNotContain("never");
        assertThat(refused.stderr()).contains("403");

        // another session, without the rule, gets no tunnel to the same place
        client.createSession(CreateSessionRequest.of("plain", null, null));
        Collected plain = sh("plain", "curl -sS --noproxy '' --max-time 10 -p -x \"$HTTPS_PROXY\" http://127.0.0.1:" + a + "/");
        assertThat(plain.exit().status().code()).isNotZero();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String log = server.send("GET", "/v1/audit?action=network.connect", null).body();
            assertThat(log).contains("\"session\":\"egress\"", "\"resource\":\"net/127.0.0.1:" + a + "\"",
                    "\"resource\":\"net/127.0.0.1:" + b + "\"", "\"outcome\":\"denied\"", "\"outcome\":\"ok\"",
                    "\"session\":\"plain\"");
        });
    }
}
