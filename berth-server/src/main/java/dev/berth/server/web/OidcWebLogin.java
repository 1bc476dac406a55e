package dev.berth.server.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import dev.berth.api.model.ApiException;
import dev.berth.server.audit.AuditEvent;
import dev.berth.server.audit.AuditSink;
import dev.berth.server.identity.Authenticator;
import dev.berth.server.identity.Principal;
import dev.berth.server.identity.oidc.OidcConfig;
import dev.berth.server.identity.oidc.ProviderMetadata;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Fields;

/**
 * The console's "Log in with OIDC": the authorization code flow with PKCE for a public client
 * ({@code serve --oidc-web-client-id}). {@code /v1/web/oidc/login} sends the browser to the
 * provider; the provider sends it back to {@code /v1/web/oidc/callback} with a code, which the
 * server exchanges (with the verifier only it knows) for tokens; the one this server accepts as a
 * bearer token becomes the sign-in cookie. The state is bound to the browser by a cookie of its
 * own, so nobody can finish a login they did not start in that browser.
 */
public final class OidcWebLogin {
    private static final String CALLBACK = "/v1/web/oidc/callback";
    private static final String STATE_COOKIE = "berth_oidc_state";
    private static final Duration PENDING_FOR = Duration.ofMinutes(10);
    private static final int MAX_PENDING = 10_000;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private record Pending(String verifier, String redirectUri, String next, Instant expires) {}

    private final OidcConfig config;
    private final Authenticator.JwtVerifier verifier;
    private final AuditSink audit;
    private final Clock clock;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private volatile ProviderMetadata provider;

    public OidcWebLogin(OidcConfig config, Authenticator.JwtVerifier verifier, AuditSink audit, Clock clock) {
        this.config = config;
        this.verifier = verifier;
        this.audit = audit;
        this.clock = clock;
    }

    /** One step of the flow; a refusal in it sends the browser back to the login page, saying why. */
    @FunctionalInterface
    private interface Step {
        void run(Request request, Response response) throws IOException, InterruptedException;
    }

    /** {@code GET /v1/web/oidc/login}: off to the provider. */
    public void login(Request request, Response response) {
        refusalsToLoginPage(this::start, request, response);
    }

    /** {@code GET /v1/web/oidc/callback}: back from it, signed in (or told why not). */
    public void callback(Request request, Response response) {
        refusalsToLoginPage(this::finish, request, response);
    }

    private static void refusalsToLoginPage(Step step, Request request, Response response) {
        try {
            step.run(request, response);
        } catch (ApiException e) {
            toLoginPage(response, e.code().code(), e.getMessage());
        } catch (IOException e) {
            toLoginPage(response, "oidc_failed", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            toLoginPage(response, "oidc_failed", "interrupted");
        }
    }

    private void start(Request request, Response response) throws IOException {
        ProviderMetadata p = provider();
        String state = random(16);
        String codeVerifier = random(32);
        String redirectUri = SameOrigin.of(request) + CALLBACK;
        String next = safeNext(Request.extractQueryParameters(request).getValue("next"));
        forgetExpired();
        if (pending.size() >= MAX_PENDING) {
            throw new IOException("too many logins under way; try again in a few minutes");
        }
        pending.put(state, new Pending(codeVerifier, redirectUri, next, clock.instant().plus(PENDING_FOR)));
        Map<String, String> q = new LinkedHashMap<>();
        q.put("response_type", "code");
        q.put("client_id", config.webClientId());
        q.put("redirect_uri", redirectUri);
        q.put("scope", "openid");
        q.put("state", state);
        q.put("code_challenge", challenge(codeVerifier));
        q.put("code_challenge_method", "S256");
        q.put("audience", config.audience()); // providers that read it (Auth0-style) pick the access token's aud by it
        // Lax: the provider's redirect back is a cross-site navigation, which a Strict cookie would miss
        Response.addCookie(response, HttpCookie.build(STATE_COOKIE, state).path("/v1/web/oidc")
                .httpOnly(true).secure(request.isSecure()).sameSite(HttpCookie.SameSite.LAX)
                .maxAge(PENDING_FOR.toSeconds()).build());
        redirect(response, p.authorizationEndpoint() + (p.authorizationEndpoint().getRawQuery() == null ? "?" : "&")
                + form(q));
    }

    private void finish(Request request, Response response) throws IOException, InterruptedException {
        Fields query = Request.extractQueryParameters(request);
        String state = query.getValue("state");
        String bound = cookie(request, STATE_COOKIE);
        clearStateCookie(request, response);
        if (query.getValue("error") != null) {
            throw new IOException("the provider refused the login: " + query.getValue("error")
                    + Optional.ofNullable(query.getValue("error_description")).map(d -> " (" + d + ")").orElse(""));
        }
        Pending login = state == null ? null : pending.remove(state);
        if (login == null || !state.equals(bound) || login.expires().isBefore(clock.instant())) {
            audit.record(AuditEvent.draft("anonymous", "oidc", request.getConnectionMetaData().getRemoteSocketAddress()
                    .toString(), null, null, "web.login", "denied", Map.of("reason", "unknown or expired login state")));
            throw new IOException("this login was not started in this browser, or took longer than 10 minutes: start again");
        }
        String code = query.getValue("code");
        if (code == null) {
            throw new IOException("the provider sent no code");
        }
        JsonNode tokens = exchange(code, login);
        // the access token is what the API takes as a bearer; an ID token whose aud is the API's serves too
        ApiException refusal = null;
        for (String field : new String[] {"access_token", "id_token"}) {
            String token = tokens.path(field).asText(null);
            if (token == null) {
                continue;
            }
            try {
                Optional<Principal> who = verifier.verify(token);
                if (who.isPresent()) {
                    audit.record(AuditEvent.draft(who.get().user(), "oidc", null, null, "user/" + who.get().user(),
                            "web.login", "ok", Map.of("via", "oidc", "token", field)));
                    Response.addCookie(response, CookieCredentials.signIn(token, request.isSecure()));
                    redirect(response, login.next());
                    return;
                }
            } catch (ApiException e) {
                refusal = e;
            }
        }
        audit.record(AuditEvent.draft("anonymous", "oidc", null, null, null, "web.login", "denied",
                Map.of("reason", refusal == null ? "no JWT in the token response" : refusal.getMessage())));
        if (refusal != null) {
            throw refusal;
        }
        throw new IOException("the provider's token response holds no JWT this server accepts");
    }

    private JsonNode exchange(String code, Pending login) throws IOException, InterruptedException {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("grant_type", "authorization_code");
        body.put("code", code);
        body.put("redirect_uri", login.redirectUri());
        body.put("client_id", config.webClientId());
        body.put("code_verifier", login.verifier());
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(provider().tokenEndpoint()).timeout(Duration.ofSeconds(15))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(form(body))).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("the provider refused the code: HTTP " + r.statusCode());
        }
        return Json.mapper().readTree(r.body());
    }

    private ProviderMetadata provider() throws IOException {
        ProviderMetadata p = provider;
        if (p == null) {
            p = ProviderMetadata.discover(config.issuer());
            if (p.authorizationEndpoint() == null || p.tokenEndpoint() == null) {
                throw new IOException("the provider at " + config.issuer() + " has no authorization or token endpoint");
            }
            provider = p;
        }
        return p;
    }

    private void forgetExpired() {
        Instant now = clock.instant();
        pending.values().removeIf(l -> l.expires().isBefore(now));
    }

    private static void toLoginPage(Response response, String code, String message) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("error", code);
        q.put("message", message == null ? "" : message);
        redirect(response, "/login?" + form(q));
    }

    private static void redirect(Response response, String location) {
        response.setStatus(HttpStatus.SEE_OTHER_303);
        response.getHeaders().put(HttpHeader.LOCATION, location);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    }

    private static void clearStateCookie(Request request, Response response) {
        Response.addCookie(response, HttpCookie.build(STATE_COOKIE, "").path("/v1/web/oidc")
                .httpOnly(true).secure(request.isSecure()).sameSite(HttpCookie.SameSite.LAX).maxAge(0).build());
    }

    private static String cookie(Request request, String name) {
        return Request.getCookies(request).stream().filter(c -> c.getName().equals(name)).map(HttpCookie::getValue)
                .findFirst().orElse(null);
    }

    /** Only a path of this server: never an open redirect to another site. */
    public static String safeNext(String next) {
        return next != null && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/";
    }

    private static String random(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return B64.encodeToString(b);
    }

    private static String challenge(String verifier) {
        try {
            return B64.encodeToString(MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String form(Map<String, String> fields) {
        return fields.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
    }
}
