package dev.berth.server.identity.oidc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The parts of a provider's OpenID Connect discovery document Berth uses: where its keys are (the
 * server) and where users log in and get tokens ({@code berth login}).
 */
public record ProviderMetadata(URI issuer, URI jwksUri, URI authorizationEndpoint, URI tokenEndpoint) {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /**
     * Fetches {@code ISSUER/.well-known/openid-configuration} and checks that it speaks for {@code issuer}
     * exactly: a document naming another issuer would let that issuer's tokens in.
     */
    public static ProviderMetadata discover(URI issuer) throws IOException {
        OidcConfig.requireSecure(issuer, "issuer");
        String base = issuer.toString().endsWith("/") ? issuer.toString().substring(0, issuer.toString().length() - 1)
                : issuer.toString();
        URI uri = URI.create(base + "/.well-known/openid-configuration");
        HttpResponse<String> response;
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER).build()) {
            response = http.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Accept", "application/json").build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while fetching " + uri);
        } catch (IOException e) {
            throw new IOException("could not fetch OIDC discovery from " + uri + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
        if (response.statusCode() != 200) {
            throw new IOException("OIDC discovery at " + uri + " answered HTTP " + response.statusCode());
        }
        JsonNode doc;
        try {
            doc = Json.mapper().readTree(response.body());
        } catch (IOException e) {
            throw new IOException("OIDC discovery at " + uri + " is not JSON", e);
        }
        String named = doc.path("issuer").asText("");
        if (!named.equals(issuer.toString())) {
            throw new IOException("OIDC discovery at " + uri + " names issuer '" + named + "', not '" + issuer + "'");
        }
        return new ProviderMetadata(issuer, endpoint(doc, "jwks_uri", uri), optionalEndpoint(doc, "authorization_endpoint", uri),
                optionalEndpoint(doc, "token_endpoint", uri));
    }

    private static URI endpoint(JsonNode doc, String field, URI from) throws IOException {
        URI u = optionalEndpoint(doc, field, from);
        if (u == null) {
            throw new IOException("OIDC discovery at " + from + " has no " + field);
        }
        return u;
    }

    private static URI optionalEndpoint(JsonNode doc, String field, URI from) throws IOException {
        String value = doc.path(field).asText("");
        if (value.isEmpty()) {
            return null;
        }
        try {
            return OidcConfig.requireSecure(URI.create(value), field);
        } catch (IllegalArgumentException e) {
            throw new IOException("OIDC discovery at " + from + ": " + e.getMessage(), e);
        }
    }
}
