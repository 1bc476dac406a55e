package dev.berth.cli.login;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jwt.JWTParser;
import dev.berth.api.Json;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** The provider's token endpoint, for a public client (no secret): the two grants the CLI uses. */
final class TokenEndpoint {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Clock clock;

    TokenEndpoint(Clock clock) {
        this.clock = clock;
    }

    /** The authorization code grant with the PKCE verifier (RFC 7636). */
    Credentials exchangeCode(String issuer, URI endpoint, String clientId, String code, URI redirectUri, String verifier)
            throws IOException {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "authorization_code");
        form.put("code", code);
        form.put("redirect_uri", redirectUri.toString());
        form.put("client_id", clientId);
        form.put("code_verifier", verifier);
        return credentials(issuer, endpoint, clientId, post(endpoint, form, "the authorization code"), null);
    }

    /** The refresh token grant; a reply without a new refresh token keeps the old one. */
    Credentials refresh(Credentials old) throws IOException {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "refresh_token");
        form.put("refresh_token", old.refreshToken());
        form.put("client_id", old.clientId());
        return credentials(old.issuer(), old.tokenEndpoint(), old.clientId(), post(old.tokenEndpoint(), form, "the refresh token"),
                old);
    }

    private Credentials credentials(String issuer, URI endpoint, String clientId, JsonNode reply, Credentials old)
            throws IOException {
        String access = reply.path("access_token").asText("");
        if (access.isEmpty()) {
            throw new IOException("the token endpoint " + endpoint + " answered without an access_token");
        }
        String refresh = reply.path("refresh_token").asText("");
        String scope = reply.path("scope").asText("");
        return new Credentials(issuer, clientId, endpoint, access,
                !refresh.isEmpty() ? refresh : old == null ? null : old.refreshToken(),
                expiry(reply, access),
                !scope.isEmpty() ? scope : old == null ? null : old.scope(), old == null ? null : old.server());
    }

    /** {@code expires_in} when given, else the access token's own {@code exp} if it is a JWT, else unknown. */
    private Instant expiry(JsonNode reply, String accessToken) {
        if (reply.path("expires_in").canConvertToLong()) {
            return clock.instant().plusSeconds(reply.get("expires_in").asLong());
        }
        try {
            Date exp = JWTParser.parse(accessToken).getJWTClaimsSet().getExpirationTime();
            return exp == null ? null : exp.toInstant();
        } catch (ParseException e) {
            return null; // an opaque token
        }
    }

    private static JsonNode post(URI endpoint, Map<String, String> form, String what) throws IOException {
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        HttpResponse<String> r;
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build()) {
            r = http.send(HttpRequest.newBuilder(endpoint).timeout(TIMEOUT)
                    .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while calling " + endpoint);
        } catch (IOException e) {
            throw new IOException("could not reach the token endpoint " + endpoint + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
        JsonNode json;
        try {
            json = Json.mapper().readTree(r.body());
        } catch (IOException e) {
            throw new IOException("the token endpoint " + endpoint + " answered HTTP " + r.statusCode() + " without JSON");
        }
        if (r.statusCode() != 200) {
            // RFC 6749 §5.2: error and error_description say why
            String error = json.path("error").asText("HTTP " + r.statusCode());
            String description = json.path("error_description").asText("");
            throw new IOException("the provider refused " + what + ": " + error + (description.isEmpty() ? "" : " (" + description + ")"));
        }
        return json;
    }
}
