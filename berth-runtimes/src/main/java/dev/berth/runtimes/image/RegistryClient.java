package dev.berth.runtimes.image;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.runtimes.image.ImageException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import javax.net.ssl.SSLException;

/**
 * GETs against one repository of one registry (distribution spec), answering its authentication
 * challenges: HTTP Basic, or the bearer token flow (ask the challenge's realm for a token for the
 * challenge's service and scope, with the login if there is one). Redirects are followed here, not
 * by the HTTP client, so that credentials go only to the registry's own origin (blob downloads are
 * often redirected to a storage service).
 */
final class RegistryClient {
    private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(60);
    private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
    private static final int MAX_REDIRECTS = 5;
    private static final int MAX_ERROR_BODY = 8 << 10;
    private static final int MAX_TOKEN_BODY = 1 << 20;

    private final HttpClient http;
    private final TokenCache tokens;
    private final FetchOptions options;
    private final String host;
    private final String repository;
    private final URI base;
    private final Credentials.Login login;
    private final String scope;
    /** Set once the registry asked for Basic auth: later requests send it straight away. */
    private volatile String basic;

    RegistryClient(HttpClient http, TokenCache tokens, FetchOptions options, ImageRef.Registry ref,
            Credentials credentials) {
        this.http = http;
        this.tokens = tokens;
        this.options = options;
        this.host = ref.host();
        this.repository = ref.repository();
        this.base = URI.create((options.plainHttp(host) ? "http://" : "https://") + host + "/v2/");
        this.login = credentials.forHost(host).orElse(null);
        this.scope = "repository:" + repository + ":pull";
    }

    /** A 200 response to {@code GET /v2/REPO/PATH}; its body is the caller's to close. */
    HttpResponse<InputStream> get(String path, String accept, String what) throws ImageException, IOException {
        URI uri = base.resolve(repository + "/" + path);
        String auth = cachedAuthorization();
        HttpResponse<InputStream> r = send(uri, accept, auth);
        if (r.statusCode() == 401) {
            List<Challenge> challenges = Challenge.parse(r.headers().allValues("WWW-Authenticate"));
            discard(r);
            auth = answer(challenges);
            r = send(uri, accept, auth);
            if (r.statusCode() == 401 || r.statusCode() == 403) {
                discard(r);
                throw refused();
            }
        }
        if (r.statusCode() == 200) {
            return r;
        }
        String detail = errorDetail(r);
        throw switch (r.statusCode()) {
            case 404 -> new ImageException(Kind.NOT_FOUND, host + "/" + repository + ": " + what + " not found" + detail);
            case 401, 403 -> refused();
            default -> new ImageException(Kind.REGISTRY_ERROR, "registry " + host + " answered " + r.statusCode()
                    + " for " + what + detail);
        };
    }

    private String cachedAuthorization() {
        String token = tokens.get(TokenCache.key(host, scope, login));
        return token != null ? "Bearer " + token : basic;
    }

    private ImageException refused() {
        return new ImageException(Kind.UNAUTHORIZED, "registry " + host + " refused access to " + repository
                + (login == null ? " (no login is configured for " + host + ")" : " with the login for " + host));
    }

    /** The Authorization value that answers a 401's challenges. */
    private String answer(List<Challenge> challenges) throws ImageException, IOException {
        for (Challenge c : challenges) {
            if (c.scheme().equals("bearer") && c.param("realm") != null) {
                String s = Objects.requireNonNullElse(c.param("scope"), scope);
                return "Bearer " + requestToken(c.param("realm"), c.param("service"), s);
            }
        }
        for (Challenge c : challenges) {
            if (c.scheme().equals("basic")) {
                if (login == null) {
                    throw refused();
                }
                basic = basicAuthorization();
                return basic;
            }
        }
        throw new ImageException(Kind.UNAUTHORIZED, "registry " + host + " asks for an authentication this client does"
                + " not speak");
    }

    private String basicAuthorization() {
        return "Basic " + Base64.getEncoder().encodeToString((login.username() + ":" + login.password())
                .getBytes(StandardCharsets.UTF_8));
    }

    /** A fresh token from the realm (a 401 says the one we had, if any, is no good), cached for the rest. */
    private String requestToken(String realm, String service, String tokenScope) throws ImageException, IOException {
        URI realmUri;
        try {
            realmUri = URI.create(realm);
        } catch (IllegalArgumentException e) {
            throw new ImageException(Kind.REGISTRY_ERROR, "registry " + host + " names an invalid token realm");
        }
        if (realmUri.getHost() == null || !("https".equals(realmUri.getScheme())
                || "http".equals(realmUri.getScheme()) && options.plainHttp(realmUri.getRawAuthority()))) {
            throw new ImageException(Kind.UNAUTHORIZED, "registry " + host + " sends us for tokens to " + realmUri.getScheme()
                    + "://" + realmUri.getHost() + ", which is not HTTPS");
        }
        StringBuilder query = new StringBuilder();
        if (service != null) {
            query.append("service=").append(URLEncoder.encode(service, StandardCharsets.UTF_8));
        }
        query.append(query.isEmpty() ? "" : "&").append("scope=").append(URLEncoder.encode(tokenScope, StandardCharsets.UTF_8));
        URI uri = URI.create(realm + (realm.contains("?") ? "&" : "?") + query);
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(RESPONSE_TIMEOUT).GET();
        if (login != null) {
            req.header("Authorization", basicAuthorization());
        }
        HttpResponse<InputStream> r = exchange(req.build(), "the token service of " + host);
        byte[] body;
        try (InputStream in = r.body()) {
            body = in.readNBytes(MAX_TOKEN_BODY);
        }
        if (r.statusCode() == 401 || r.statusCode() == 403) {
            throw new ImageException(Kind.UNAUTHORIZED, "the token service of " + host + " refused "
                    + (login == null ? "anonymous access" : "the login for " + host) + " to " + repository);
        }
        if (r.statusCode() != 200) {
            throw new ImageException(Kind.REGISTRY_ERROR, "the token service of " + host + " answered " + r.statusCode());
        }
        JsonNode reply;
        try {
            reply = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new ImageException(Kind.REGISTRY_ERROR, "the token service of " + host + " sent no JSON");
        }
        String token = reply == null ? "" : reply.path("token").asText("");
        if (token.isEmpty() && reply != null) {
            token = reply.path("access_token").asText(""); // the OAuth2 name, which some services use instead
        }
        if (token.isEmpty()) {
            throw new ImageException(Kind.REGISTRY_ERROR, "the token service of " + host + " sent no token");
        }
        long seconds = reply.path("expires_in").asLong(0);
        // keyed by what this repository's requests need, whatever the challenge spelled
        tokens.put(TokenCache.key(host, scope, login), token,
                seconds > 0 ? Duration.ofSeconds(seconds) : TokenCache.DEFAULT_TTL);
        return token;
    }

    /** One request, following redirects; credentials go to the registry's own origin only. */
    private HttpResponse<InputStream> send(URI uri, String accept, String auth) throws ImageException, IOException {
        URI at = uri;
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder req = HttpRequest.newBuilder(at).timeout(RESPONSE_TIMEOUT).GET();
            if (accept != null) {
                req.header("Accept", accept);
            }
            if (auth != null && sameOrigin(at, base)) {
                req.header("Authorization", auth);
            }
            HttpResponse<InputStream> r = exchange(req.build(), "registry " + host);
            if (!REDIRECTS.contains(r.statusCode())) {
                return r;
            }
            String location = r.headers().firstValue("Location").orElse(null);
            discard(r);
            if (location == null || hop == MAX_REDIRECTS) {
                throw new ImageException(Kind.REGISTRY_ERROR, "registry " + host + " redirects "
                        + (location == null ? "nowhere" : "too often"));
            }
            URI next = at.resolve(location);
            boolean downgrade = "http".equals(next.getScheme()) && !"http".equals(at.getScheme());
            if (next.getHost() == null || !Set.of("http", "https").contains(next.getScheme()) || downgrade) {
                throw new ImageException(Kind.REGISTRY_ERROR, "registry " + host + " redirects to a location we do"
                        + " not follow (" + next.getScheme() + "://" + next.getHost() + ")");
            }
            at = next;
        }
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equals(b.getScheme()) && Objects.equals(a.getRawAuthority(), b.getRawAuthority());
    }

    private HttpResponse<InputStream> exchange(HttpRequest req, String whom) throws ImageException, IOException {
        try {
            return http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while talking to " + whom);
        } catch (HttpConnectTimeoutException e) {
            throw new ImageException(Kind.UNREACHABLE, "cannot reach " + whom + ": connection timed out", e);
        } catch (HttpTimeoutException e) {
            throw new ImageException(Kind.UNREACHABLE, whom + " did not answer within " + RESPONSE_TIMEOUT.toSeconds()
                    + " s", e);
        } catch (ConnectException e) {
            throw new ImageException(Kind.UNREACHABLE, "cannot reach " + whom + ": connection refused", e);
        } catch (SSLException e) {
            throw new ImageException(Kind.UNREACHABLE, "cannot reach " + whom + ": TLS failed ("
                    + oneLine(e.getMessage()) + ")", e);
        } catch (IOException | IllegalArgumentException e) {
            throw new ImageException(Kind.UNREACHABLE, "cannot reach " + whom + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + oneLine(e.getMessage())), e);
        }
    }

    /** The registry's own words on an error ({@code {"errors":[{"code":..,"message":..}]}}), if any. */
    private static String errorDetail(HttpResponse<InputStream> r) {
        try (InputStream in = r.body()) {
            JsonNode errors = Json.MAPPER.readTree(in.readNBytes(MAX_ERROR_BODY)).path("errors");
            if (errors.isArray() && !errors.isEmpty()) {
                JsonNode e = errors.get(0);
                return " (" + oneLine(e.path("code").asText("") + ": " + e.path("message").asText("")) + ")";
            }
        } catch (IOException | RuntimeException e) {
            // no detail then: the status says enough
        }
        return "";
    }

    private static void discard(HttpResponse<InputStream> r) {
        try (InputStream in = r.body()) {
            in.readNBytes(MAX_ERROR_BODY); // a small body read to its end keeps the connection reusable
        } catch (IOException e) {
            // then the connection is dropped: nothing else lost
        }
    }

    private static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        String line = s.replaceAll("[\\r\\n\\t]+", " ").strip();
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
