package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.client.BerthClient;
import dev.berth.api.client.TerminalChannel;
import dev.berth.api.client.TlsFailure;
import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.ExitStatus;
import dev.berth.api.tls.Pem;
import dev.berth.api.tls.TlsTrust;
import dev.berth.server.config.ConfigException;
import dev.berth.server.config.ServerConfig;
import dev.berth.server.config.TlsConfig;
import dev.berth.server.tls.TestCertificates;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real server with {@code --tls-cert/--tls-key}: HTTPS on its port, HTTP/2 by ALPN and
 * HTTP/1.1 for clients that want it, the terminal's WebSocket over wss, and clients that do not
 * trust its CA (or reach it by a name it does not have) turned away with a TLS error they can read.
 */
@Timeout(120)
class TlsServerTest {
    @TempDir
    static Path dir;

    static TestCertificates certs;
    static TestServer server;
    static SSLContext trustingCa;

    @BeforeAll
    static void start() throws Exception {
        certs = TestCertificates.newCa(dir.resolve("pki"));
        Path key = certs.key("server", "rsa");
        Path chain = certs.chain("server", key, TestCertificates.LOCAL_NAMES);
        server = TestServer.start(ServerConfig.defaults(dir.resolve("data")).withTls(new TlsConfig(chain, key, false)));
        trustingCa = TlsTrust.trusting(certs.ca());
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void theServersUriIsHttps() {
        assertThat(server.server.uri().getScheme()).isEqualTo("https");
        assertThat(server.server.uri().getPort()).isEqualTo(server.server.port());
    }

    @Test
    void aClientTrustingTheCaGetsHealthAndSessionsByAddressAndByName() {
        URI byName = URI.create("https://localhost:" + server.server.port());
        for (URI base : List.of(server.server.uri(), byName)) {
            try (BerthClient client = new BerthClient(base, server.token, trustingCa)) {
                assertThat(client.health()).containsEntry("status", "ok");
                assertThat(client.listSessions()).isEmpty();
            }
        }
    }

    @Test
    void jettysHttp2ClientNegotiatesH2ByAlpn() throws Exception {
        KeyStore anchors = KeyStore.getInstance("PKCS12");
        anchors.load(null, null);
        anchors.setCertificateEntry("ca", Pem.certificates(certs.ca()).getFirst());
        SslContextFactory.Client tls = new SslContextFactory.Client();
        tls.setTrustStore(anchors); // and the hostname is checked: endpoint identification is on by default
        ClientConnector connector = new ClientConnector();
        connector.setSslContextFactory(tls);
        HttpClient jetty = new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client(connector)));
        jetty.start();
        try {
            ContentResponse r = jetty.newRequest(server.uri("/v1/sessions"))
                    .headers(h -> h.put("Authorization", "Bearer " + server.token))
                    .send();
            assertThat(r.getVersion()).isEqualTo(HttpVersion.HTTP_2);
            assertThat(r.getStatus()).isEqualTo(200);
            assertThat(r.getContentAsString()).isEqualTo("[]");
        } finally {
            jetty.stop();
        }
    }

    @Test
    void alpnPicksH2WhenOfferedAndHttp11OtherwiseOverTls13And12() throws Exception {
        record Offer(String tls, List<String> alpn, String chosen) {}
        List<Offer> offers = List.of(
                new Offer("TLSv1.3", List.of("h2", "http/1.1"), "h2"),
                new Offer("TLSv1.2", List.of("h2", "http/1.1"), "h2"),
                new Offer("TLSv1.3", List.of("http/1.1"), "http/1.1"),
                new Offer("TLSv1.2", List.of("http/1.1"), "http/1.1"),
                new Offer("TLSv1.3", List.of(), "")); // no ALPN at all (the JDK's HTTP/1.1 client): HTTP/1.1
        for (Offer offer : offers) {
            try (SSLSocket socket = (SSLSocket) trustingCa.getSocketFactory().createSocket("127.0.0.1", server.server.port())) {
                SSLParameters p = socket.getSSLParameters();
                p.setProtocols(new String[] {offer.tls()});
                p.setApplicationProtocols(offer.alpn().toArray(String[]::new));
                p.setEndpointIdentificationAlgorithm("HTTPS");
                socket.setSSLParameters(p);
                socket.startHandshake();
                assertThat(socket.getSession().getProtocol()).as("%s", offer).isEqualTo(offer.tls());
                assertThat(socket.getApplicationProtocol()).as("%s", offer).isEqualTo(offer.chosen());
                if (!offer.chosen().equals("h2")) {
                    socket.getOutputStream().write(("GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                            + server.token + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    String status = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                            .readLine();
                    assertThat(status).as("%s", offer).isEqualTo("HTTP/1.1 200 OK");
                }
            }
        }
    }

    @Test
    void theTerminalSocketConnectsOverWss() {
        // no such command: the refusal comes after the TLS handshake and the upgrade request, as a JSON error
        try (BerthClient client = new BerthClient(server.server.uri(), server.token, trustingCa)) {
            assertThatThrownBy(() -> client.openTerminal("nobody", "c-1", 0, "tls-test", 0, new Ignoring()))
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code())
                            .isIn(ErrorCode.SESSION_NOT_FOUND, ErrorCode.COMMAND_NOT_FOUND));
        }
    }

    @Test
    void aClientWithoutTheCaFailsWithATlsErrorThatSaysSo() {
        try (BerthClient systemCas = new BerthClient(server.server.uri(), server.token)) {
            assertThatThrownBy(systemCas::health).isInstanceOf(UncheckedIOException.class)
                    .cause().isInstanceOfSatisfying(TlsFailure.class, f -> {
                        assertThat(f.untrusted()).isTrue();
                        assertThat(f).hasMessage("TLS with https://127.0.0.1:" + server.server.port()
                                + " failed: its certificate is not issued by a CA this client trusts");
                    });
            assertThatThrownBy(() -> systemCas.openTerminal("nobody", "c-1", 0, "tls-test", 0, new Ignoring()))
                    .isInstanceOf(UncheckedIOException.class)
                    .cause().isInstanceOfSatisfying(TlsFailure.class, f -> assertThat(f.untrusted()).isTrue());
        }
    }

    @Test
    void hostnamesAreVerified() throws Exception {
        Path key = certs.key("elsewhere", "ec");
        Path chain = certs.chain("elsewhere", key, "DNS:elsewhere.test");
        try (TestServer other = TestServer.start(ServerConfig.defaults(dir.resolve("elsewhere"))
                .withTls(new TlsConfig(chain, key, false)));
                BerthClient client = new BerthClient(other.server.uri(), other.token, trustingCa)) {
            assertThatThrownBy(client::health).isInstanceOf(UncheckedIOException.class)
                    .cause().isInstanceOfSatisfying(TlsFailure.class, f -> {
                        assertThat(f.untrusted()).isFalse();
                        assertThat(f).hasMessageStartingWith("TLS with " + other.server.uri() + " failed: its certificate does not fit:")
                                .hasMessageContaining("127.0.0.1");
                    });
        }
    }

    @Test
    void aKeyNotMatchingTheCertificateStopsStartUpBeforeAnythingIsMade() throws Exception {
        Path chain = dir.resolve("pki/server.pem");
        Path stranger = certs.key("stranger", "rsa");
        Path data = dir.resolve("mismatch");
        assertThatThrownBy(() -> BerthServer.start(ServerConfig.defaults(data).withListen("127.0.0.1", 0)
                .withTls(new TlsConfig(chain, stranger, false))))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--tls-key " + stranger + " does not belong to the certificate in " + chain
                        + " (its first certificate must be the server's own, for this key)");
        assertThat(data).doesNotExist();
    }

    @Test
    void aPkcs1KeyServes() throws Exception {
        Path pkcs1 = dir.resolve("pki/server.pkcs1.key");
        certs.openssl("rsa", "-in", "server.key", "-traditional", "-out", pkcs1.toString());
        assertThat(Files.readString(pkcs1)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        try (TestServer legacy = TestServer.start(ServerConfig.defaults(dir.resolve("pkcs1"))
                .withTls(new TlsConfig(dir.resolve("pki/server.pem"), pkcs1, false)));
                BerthClient client = new BerthClient(legacy.server.uri(), legacy.token, trustingCa)) {
            assertThat(client.health()).containsEntry("status", "ok");
        }
    }

    @Test
    void plainHttpOnANonLoopbackAddressIsRefusedBeforeBinding() {
        Path data = dir.resolve("exposed");
        // a documentation address (RFC 5737), never this machine's: were the check missing, binding would fail too
        assertThatThrownBy(() -> BerthServer.start(ServerConfig.defaults(data).withListen("192.0.2.1", 0)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("192.0.2.1").hasMessageContaining("--tls-cert FILE --tls-key FILE")
                .hasMessageContaining("--insecure");
        assertThat(data).doesNotExist();
    }

    /** A terminal listener for connections that are refused before any frame. */
    private static final class Ignoring implements TerminalChannel.Listener {
        @Override
        public void hello(long offset, long inputAccepted) {}

        @Override
        public void output(long offset, ByteBuffer data) {}

        @Override
        public void exited(ExitStatus status, long endOffset) {}

        @Override
        public void closed(String why) {}
    }
}
