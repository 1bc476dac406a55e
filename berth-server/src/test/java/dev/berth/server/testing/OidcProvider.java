package dev.berth.server.testing;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A real OIDC provider for tests: navikt's mock-oauth2-server, run as its own JVM on a free
 * loopback port from its standalone main ({@code StandaloneMockOAuth2ServerKt}), stopped on close.
 * Its classpath is the test's own: a module using this fixture needs the {@code mock-oauth2-server}
 * test dependency (without its logback, as berth-server's pom has it).
 *
 * <p>Every issuer id is its own provider with its own signing key ({@code kid} = the issuer id):
 * {@code PORT/ID/.well-known/openid-configuration}. This fixture configures two, {@link #ISSUER}
 * and {@link #OTHER_ISSUER}, through the server's {@code JSON_CONFIG} (its request-mapping token
 * callbacks):
 * <ul>
 * <li>{@link #token}: the JWT bearer grant (RFC 7523). The server copies the assertion's claims
 *     (sub, groups, any other) into the access token it signs, sets {@code iss}, {@code iat},
 *     {@code nbf}, {@code exp} (now + {@link #TOKEN_LIFETIME}) and takes {@code aud} from our
 *     {@code audience} form parameter. It does not check the assertion's signature, so the
 *     fixture signs it with a throwaway HMAC key. A {@link Validity} other than {@code CURRENT}
 *     selects a mapping that sets fixed past or future times instead.</li>
 * <li>the authorization code flow (with PKCE; interactive login is off, so {@code /authorize}
 *     redirects straight back with a code) and the refresh token grant: the user is
 *     {@link #LOGIN_USER} in {@link #LOGIN_GROUPS}, the audience {@link #LOGIN_AUDIENCE}.</li>
 * </ul>
 */
public final class OidcProvider implements AutoCloseable {
    public static final String ISSUER = "berth";
    public static final String OTHER_ISSUER = "other";
    public static final String LOGIN_USER = "alice";
    public static final List<String> LOGIN_GROUPS = List.of("berth-admins", "developers");
    public static final String LOGIN_AUDIENCE = "berth-api";
    public static final Duration TOKEN_LIFETIME = Duration.ofMinutes(5);
    private static final String MAIN = "no.nav.security.mock.oauth2.StandaloneMockOAuth2ServerKt";

    /** When a {@link #token} is valid. */
    public enum Validity {
        CURRENT,
        /** expired in 2000 */
        EXPIRED,
        /** not valid before 2100 */
        NOT_YET_VALID
    }

    private final Process process;
    private final int port;
    private final Path log;
    private final HttpClient http = HttpClient.newHttpClient();
    private final byte[] assertionKey = new byte[32];

    private OidcProvider(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
        new SecureRandom().nextBytes(assertionKey);
    }

    /** Starts the provider and waits until its discovery document answers; {@code dir} holds its log. */
    public static OidcProvider start(Path dir) throws IOException {
        int port = freePort();
        Path log = dir.resolve("oidc-provider.log");
        ProcessBuilder pb = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                // a test fixture: start fast and small rather than run fast
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m", "-cp", classpath(), MAIN)
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SERVER_HOSTNAME", "127.0.0.1");
        pb.environment().put("SERVER_PORT", Integer.toString(port));
        pb.environment().put("JSON_CONFIG", config());
        OidcProvider provider = new OidcProvider(pb.start(), port, log);
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> {
                if (!provider.process.isAlive()) {
                    throw new IllegalStateException("the OIDC provider exited: " + provider.log());
                }
                return provider.http.send(HttpRequest.newBuilder(provider.discovery(ISSUER)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            });
        } catch (RuntimeException e) {
            provider.close();
            throw new IOException("the OIDC provider did not start: " + provider.log(), e);
        }
        return provider;
    }

    /** The issuer URL of {@code issuerId}, as its tokens' {@code iss} spells it. */
    public URI issuer(String issuerId) {
        return URI.create("http://127.0.0.1:" + port + "/" + issuerId);
    }

    public URI discovery(String issuerId) {
        return URI.create(issuer(issuerId) + "/.well-known/openid-configuration");
    }

    public URI tokenEndpoint(String issuerId) {
        return URI.create(issuer(issuerId) + "/token");
    }

    /** A current access token from {@code issuerId} for {@code audience}, carrying {@code claims} (e.g. sub, groups). */
    public String token(String issuerId, String audience, Map<String, Object> claims) throws IOException {
        return token(issuerId, audience, claims, Validity.CURRENT);
    }

    /** An access token signed by {@code issuerId}'s key, valid as {@code validity} says. */
    public String token(String issuerId, String audience, Map<String, Object> claims, Validity validity) throws IOException {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer");
        form.put("client_id", "berth-tests");
        form.put("client_secret", "unused");
        form.put("assertion", assertion(claims));
        form.put("scope", "openid"); // the grant wants one; the audience comes from the next parameter
        form.put("audience", audience);
        form.put("validity", validity.name());
        HttpResponse<String> r = send(HttpRequest.newBuilder(tokenEndpoint(issuerId))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(formEncode(form))).build());
        JsonNode body = Json.mapper().readTree(r.body());
        if (r.statusCode() != 200 || !body.hasNonNull("access_token")) {
            throw new IOException("the OIDC provider refused a token: HTTP " + r.statusCode() + " " + r.body());
        }
        return body.get("access_token").asText();
    }

    /**
     * The token response (access, refresh and id token) of a whole authorization code flow with
     * PKCE by {@code clientId}, done here without a browser: the redirect is read, not followed.
     */
    public JsonNode loginTokens(String issuerId, String clientId) throws IOException {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String verifier = b64.encodeToString(random);
        String challenge;
        try {
            challenge = b64.encodeToString(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IOException(e);
        }
        String redirect = "http://127.0.0.1:9/callback"; // never called
        HttpResponse<String> authorize = send(HttpRequest.newBuilder(URI.create(issuer(issuerId) + "/authorize?" + formEncode(Map.of(
                "response_type", "code", "client_id", clientId, "redirect_uri", redirect, "scope", "openid offline_access",
                "state", "s", "code_challenge", challenge, "code_challenge_method", "S256")))).build());
        String location = authorize.headers().firstValue("Location")
                .orElseThrow(() -> new IOException("no redirect from /authorize: HTTP " + authorize.statusCode() + " " + authorize.body()));
        String code = Stream.of(URI.create(location).getRawQuery().split("&")).filter(p -> p.startsWith("code="))
                .map(p -> java.net.URLDecoder.decode(p.substring(5), StandardCharsets.UTF_8)).findFirst()
                .orElseThrow(() -> new IOException("no code in " + location));
        HttpResponse<String> r = send(HttpRequest.newBuilder(tokenEndpoint(issuerId))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(formEncode(Map.of("grant_type", "authorization_code", "code", code,
                        "redirect_uri", redirect, "client_id", clientId, "code_verifier", verifier)))).build());
        if (r.statusCode() != 200) {
            throw new IOException("the OIDC provider refused the code: HTTP " + r.statusCode() + " " + r.body());
        }
        return Json.mapper().readTree(r.body());
    }

    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        http.close();
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    public static String formEncode(Map<String, String> form) {
        return form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** An HS256 JWT of {@code claims}: the server refuses an unsigned assertion but never checks this signature. */
    private String assertion(Map<String, Object> claims) throws IOException {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String payload = b64.encodeToString(Json.mapper().writeValueAsBytes(claims));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(assertionKey, "HmacSHA256"));
            byte[] sig = mac.doFinal((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
            return header + "." + payload + "." + b64.encodeToString(sig);
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    /**
     * The server's {@code OAuth2Config} as JSON. A token request takes the claims of the first
     * mapping whose form parameter matches ({@code match} is a regular expression or {@code *});
     * {@code ${name}} in a claim is replaced by that form parameter.
     */
    private static String config() throws IOException {
        List<Map<String, Object>> mappings = List.of(
                mapping("validity", Validity.EXPIRED.name(), Map.of("aud", List.of("${audience}"),
                        "iat", 946_681_200L, "nbf", 946_681_200L, "exp", 946_684_800L)),
                mapping("validity", Validity.NOT_YET_VALID.name(), Map.of("aud", List.of("${audience}"),
                        "nbf", 4_102_444_800L, "exp", 4_102_448_400L)),
                mapping("grant_type", "authorization_code|refresh_token", Map.of("sub", LOGIN_USER,
                        "preferred_username", LOGIN_USER, "groups", LOGIN_GROUPS, "aud", List.of(LOGIN_AUDIENCE))),
                mapping("audience", "*", Map.of("aud", List.of("${audience}"))));
        List<Map<String, Object>> callbacks = Stream.of(ISSUER, OTHER_ISSUER)
                .map(id -> Map.<String, Object>of("issuerId", id, "tokenExpiry", TOKEN_LIFETIME.toSeconds(),
                        "requestMappings", mappings))
                .toList();
        return Json.mapper().writeValueAsString(Map.of("interactiveLogin", false, "httpServer", "NettyWrapper",
                "tokenCallbacks", callbacks));
    }

    private static Map<String, Object> mapping(String param, String match, Map<String, Object> claims) {
        return Map.of("requestParam", param, "match", match, "claims", claims);
    }

    /**
     * The test JVM's classpath. Surefire puts the full list in {@code java.class.path} even when it
     * starts the fork from a manifest-only jar; drop entries that do not exist.
     */
    private static String classpath() {
        return Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.isBlank() && Files.exists(Path.of(e)))
                .collect(Collectors.joining(File.pathSeparator));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
