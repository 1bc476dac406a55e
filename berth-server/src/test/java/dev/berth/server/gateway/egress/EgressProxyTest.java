package dev.berth.server.gateway.egress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.server.audit.AuditEvent;
import dev.berth.server.gateway.GatewayServer;
import dev.berth.server.gateway.GatewaySession;
import dev.berth.server.gateway.GatewayTags;
import dev.berth.server.testing.GatewayTap;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTPS proxy sandboxes get: only allowed host:ports, never this host by a name, every attempt audited. */
class EgressProxyTest {
    @TempDir
    Path dir;
    private final List<AuditEvent> audit = new CopyOnWriteArrayList<>();
    private GatewayServer gateway;
    private GatewayTap tap;
    private ServerSocket allowed;
    private ServerSocket other;
    private volatile EgressRules rules = EgressRules.NONE;

    @BeforeEach
    void start() throws Exception {
        allowed = echoServer();
        other = echoServer();
        GatewayTags tags = GatewayTags.loadOrCreate(dir.resolve("tag.key"));
        gateway = new GatewayServer(dir.resolve("gw.sock"),
                tag -> tags.sessionOf(tag).map(id -> new GatewaySession(id, "alice", "agent@1", tags.modelKey(id))),
                List.of(), new EgressProxy(s -> rules, audit::add));
        gateway.start();
        tap = new GatewayTap(gateway.socket(), tags.connectionTag("s-1"));
    }

    @AfterEach
    void stop() throws Exception {
        tap.close();
        gateway.close();
        allowed.close();
        other.close();
    }

    private static ServerSocket echoServer() throws IOException {
        ServerSocket s = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!s.isClosed()) {
                try {
                    Socket c = s.accept();
                    Thread.ofVirtual().start(() -> {
                        try (c) {
                            c.getInputStream().transferTo(c.getOutputStream());
                        } catch (IOException ignored) {
                            // the test closed it
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        return s;
    }

    /** Sends a proxy request head through the tap; returns the status line and, for a tunnel, the open socket. */
    private record Answer(String status, String body, Socket socket, BufferedReader in) {}

    private Answer send(String head) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), tap.port());
        s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
        String status = in.readLine();
        int length = 0;
        for (String h = in.readLine(); h != null && !h.isEmpty(); h = in.readLine()) {
            if (h.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(h.substring(15).strip());
            }
        }
        char[] body = new char[length];
        int n = 0;
        while (n < length) {
            int r = in.read(body, n, length - n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        return new Answer(status, new String(body, 0, n), s, in);
    }

    private Answer connect(String target) throws IOException {
        return send("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n");
    }

    @Test
    void anAllowedDestinationGetsATunnelAndItIsAudited() throws Exception {
        rules = new EgressRules(List.of("127.0.0.1:" + allowed.getLocalPort()), List.of());
        Answer a = connect("127.0.0.1:" + allowed.getLocalPort());
        try (Socket s = a.socket()) {
            assertThat(a.status()).contains(" 200");
            OutputStream out = s.getOutputStream();
            out.write("through the tunnel\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(a.in().readLine()).isEqualTo("through the tunnel");
        }
        AuditEvent e = audit.stream().filter(x -> x.action().equals("network.connect")).findFirst().orElseThrow();
        assertThat(e.outcome()).isEqualTo("ok");
        assertThat(e.session()).isEqualTo("s-1");
        assertThat(e.principal()).isEqualTo("alice");
        assertThat(e.resource()).isEqualTo("net/127.0.0.1:" + allowed.getLocalPort());
    }

    @Test
    void everyOtherDestinationIsRefusedAndAudited() throws Exception {
        rules = new EgressRules(List.of("127.0.0.1:" + allowed.getLocalPort()), List.of());
        Answer a = connect("127.0.0.1:" + other.getLocalPort());
        a.socket().close();
        assertThat(a.status()).contains(" 403");
        assertThat(a.body()).contains("egress_denied");
        assertThat(audit).anySatisfy(e -> {
            assertThat(e.outcome()).isEqualTo("denied");
            assertThat(e.resource()).isEqualTo("net/127.0.0.1:" + other.getLocalPort());
            assertThat(e.details()).containsEntry("via", "proxy");
        });
    }

    @Test
    void aNameThatLeadsToThisHostIsRefusedEvenWhenItsRuleMatches() throws Exception {
        rules = new EgressRules(List.of("localhost:" + allowed.getLocalPort()), List.of());
        Answer a = connect("localhost:" + allowed.getLocalPort());
        a.socket().close();
        assertThat(a.status()).contains(" 403");
        assertThat(a.body()).contains("egress_denied").contains("resolves to an address of this host");
        assertThat(audit).anySatisfy(e -> assertThat(e.outcome()).isEqualTo("denied"));
    }

    @Test
    void plainHttpForAnotherHostIsRefused() throws Exception {
        rules = new EgressRules(List.of("example.com"), List.of());
        Answer a = send("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n");
        a.socket().close();
        assertThat(a.status()).contains(" 403");
        assertThat(a.body()).contains("egress_denied").contains("plain HTTP");
        assertThat(audit).anySatisfy(e -> assertThat(e.resource()).isEqualTo("net/example.com:80"));
    }

    @Test
    void malformedTargetsGetAClearError() throws Exception {
        Answer a = connect("no-port");
        a.socket().close();
        assertThat(a.status()).contains(" 400");
        assertThat(a.body()).contains("invalid_field").doesNotContain("Exception");
        assertThat(audit).isEmpty();
    }
}
