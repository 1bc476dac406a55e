package dev.berth.runtimes.image;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The token service of a registry's bearer auth, as docker/distribution's {@code auth: token}
 * expects it: a JWT (RS256) whose {@code x5c} header carries a certificate of the registry's
 * {@code rootcertbundle}, with {@code iss}, {@code aud} (the service) and an {@code access} claim
 * granting what the scope asks. It issues tokens only to its one user, with the right password.
 */
final class TokenServer implements AutoCloseable {
    static final String ISSUER = "berth-test-issuer";
    static final String SERVICE = "berth-test-registry";

    private final HttpServer server;
    private final PrivateKey key;
    private final String certificate;
    private final Path certFile;
    private final String user;
    private final String password;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger refusals = new AtomicInteger();

    private TokenServer(Path certFile, PrivateKey key, String certificate, String user, String password) throws IOException {
        this.certFile = certFile;
        this.key = key;
        this.certificate = certificate;
        this.user = user;
        this.password = password;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/token", this::token);
        server.start();
    }

    /** A key and self-signed certificate made by the openssl CLI; skipped where it is missing. */
    static TokenServer start(Path dir, String user, String password) throws Exception {
        Path key = dir.resolve("token.key");
        Path cert = dir.resolve("token.crt");
        Process p;
        try {
            p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=berth-test-token-issuer", "-keyout", key.toString(), "-out", cert.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("openssl.log").toFile()).start();
        } catch (IOException e) {
            assumeTrue(false, "openssl is not installed: it makes the token service's key");
            throw e;
        }
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("openssl failed: " + Files.readString(dir.resolve("openssl.log")));
        }
        String pem = Files.readString(key).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        PrivateKey privateKey = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
        X509Certificate x509;
        try (var in = Files.newInputStream(cert)) {
            x509 = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        return new TokenServer(cert, privateKey, Base64.getEncoder().encodeToString(x509.getEncoded()), user, password);
    }

    /** The registry config's {@code auth:} section for this service. */
    String registryAuthYaml() {
        return """
                  token:
                    realm: %s
                    service: %s
                    issuer: %s
                    rootcertbundle: %s
                """.formatted(realm(), SERVICE, ISSUER, certFile);
    }

    String realm() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    /** Token requests answered with a token so far. */
    int issued() {
        return requests.get();
    }

    int refused() {
        return refusals.get();
    }

    /** A token for {@code scope} ({@code repository:NAME:pull,push}), for the test's own pushes. */
    String issue(String scope) throws Exception {
        return jwt(scope);
    }

    private void token(HttpExchange ex) throws IOException {
        try (ex) {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            String expected = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
            if (!expected.equals(auth)) {
                refusals.incrementAndGet();
                ex.sendResponseHeaders(401, -1);
                return;
            }
            Map<String, String> query = new LinkedHashMap<>();
            String raw = ex.getRequestURI().getRawQuery();
            for (String kv : raw == null ? new String[0] : raw.split("&")) {
                int eq = kv.indexOf('=');
                query.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
            }
            if (!SERVICE.equals(query.get("service"))) {
                ex.sendResponseHeaders(400, -1);
                return;
            }
            ObjectNode reply = TestImage.JSON.createObjectNode();
            reply.put("token", jwt(query.get("scope")));
            reply.put("expires_in", 300);
            byte[] body = TestImage.JSON.writeValueAsBytes(reply);
            requests.incrementAndGet();
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    private String jwt(String scope) throws Exception {
        ObjectNode header = TestImage.JSON.createObjectNode();
        header.put("typ", "JWT");
        header.put("alg", "RS256");
        header.putArray("x5c").add(certificate);
        long now = Instant.now().getEpochSecond();
        ObjectNode claims = TestImage.JSON.createObjectNode();
        claims.put("iss", ISSUER);
        claims.put("sub", user);
        claims.put("aud", SERVICE);
        claims.put("exp", now + 300);
        claims.put("nbf", now - 10);
        claims.put("iat", now);
        claims.put("jti", Long.toHexString(System.nanoTime()));
        var access = claims.putArray("access");
        if (scope != null && !scope.isEmpty()) {
            for (String s : scope.split(" ")) {
                String[] parts = s.split(":"); // repository:NAME:ACTIONS (no ':' in our names)
                ObjectNode a = access.addObject();
                a.put("type", parts[0]);
                a.put("name", parts[1]);
                var actions = a.putArray("actions");
                for (String action : parts[2].split(",")) {
                    actions.add(action);
                }
            }
        }
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String signingInput = b64.encodeToString(TestImage.JSON.writeValueAsBytes(header)) + "."
                + b64.encodeToString(TestImage.JSON.writeValueAsBytes(claims));
        Signature rsa = Signature.getInstance("SHA256withRSA");
        rsa.initSign(key);
        rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
        return signingInput + "." + b64.encodeToString(rsa.sign());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
