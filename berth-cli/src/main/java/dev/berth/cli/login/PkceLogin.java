package dev.berth.cli.login;

import dev.berth.cli.login.LoopbackRedirect.Page;
import dev.berth.server.identity.oidc.ProviderMetadata;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * {@code berth login --oidc}: the OAuth 2.0 authorization code flow with PKCE (S256) for a native
 * app (RFC 8252): the user logs in in a browser, the provider redirects to a one-shot listener on
 * 127.0.0.1, and the code is exchanged for tokens with the verifier only this process knows.
 */
public final class PkceLogin {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    /**
     * @param audience sent as the {@code audience} authorization parameter (what Auth0-style providers
     *     read to choose the access token's {@code aud}); null to let the provider choose
     * @param open whether to try {@code xdg-open} on the URL
     */
    public record Request(URI issuer, String clientId, String scope, String audience, Duration timeout, boolean open) {}

    private final PrintWriter err;
    private final Clock clock;

    /** {@code err} is where the user is told which URL to open. */
    public PkceLogin(PrintWriter err, Clock clock) {
        this.err = err;
        this.clock = clock;
    }

    public Credentials login(Request request) throws IOException, InterruptedException {
        ProviderMetadata provider = ProviderMetadata.discover(request.issuer());
        if (provider.authorizationEndpoint() == null || provider.tokenEndpoint() == null) {
            throw new IOException("the provider at " + request.issuer() + " has no authorization or token endpoint");
        }
        String verifier = random(32); // 43 characters, within RFC 7636's 43..128
        String state = random(16);
        try (LoopbackRedirect redirect = LoopbackRedirect.start()) {
            URI url = authorizationUrl(provider.authorizationEndpoint(), request, redirect.redirectUri(), state, challenge(verifier));
            err.println("Open this URL to log in: " + url);
            err.flush();
            if (request.open()) {
                openBrowser(url);
            }
            Map<String, String> reply;
            try {
                reply = redirect.await(request.timeout());
            } catch (TimeoutException e) {
                throw new IOException("no login within " + request.timeout().toSeconds() + " s: the browser never came back to "
                        + redirect.redirectUri() + " (run berth login again, or give --timeout)");
            }
            String code = checked(reply, state, redirect);
            try {
                Credentials credentials = new TokenEndpoint(clock).exchangeCode(request.issuer().toString(), provider.tokenEndpoint(),
                        request.clientId(), code, redirect.redirectUri(), verifier);
                redirect.answer(new Page(200, "Logged in to Berth", "You can close this tab and return to the terminal."));
                return credentials;
            } catch (IOException e) {
                redirect.answer(new Page(502, "Berth login failed", e.getMessage()));
                throw e;
            }
        }
    }

    /** The code, from a redirect that answers this login: the same state, and no error. */
    private static String checked(Map<String, String> reply, String state, LoopbackRedirect redirect) throws IOException {
        String error = reply.get("error");
        if (error != null) {
            String description = reply.getOrDefault("error_description", "");
            redirect.answer(new Page(400, "Berth login refused", "The provider said: " + error + " " + description));
            throw new IOException("the provider refused the login: " + error + (description.isEmpty() ? "" : " (" + description + ")"));
        }
        String returned = reply.getOrDefault("state", "");
        if (!MessageDigest.isEqual(returned.getBytes(StandardCharsets.UTF_8), state.getBytes(StandardCharsets.UTF_8))) {
            redirect.answer(new Page(400, "Berth login refused", "This redirect does not belong to the login the terminal started."));
            throw new IOException("refused the redirect: its state does not match this login's (a redirect from another login, "
                    + "or a forged one); nothing was stored");
        }
        String code = reply.get("code");
        if (code == null || code.isEmpty()) {
            redirect.answer(new Page(400, "Berth login failed", "The redirect carried no authorization code."));
            throw new IOException("the provider's redirect carried no authorization code");
        }
        return code;
    }

    static URI authorizationUrl(URI endpoint, Request request, URI redirectUri, String state, String challenge) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("response_type", "code");
        p.put("client_id", request.clientId());
        p.put("redirect_uri", redirectUri.toString());
        p.put("scope", request.scope());
        p.put("state", state);
        p.put("code_challenge", challenge);
        p.put("code_challenge_method", "S256");
        if (request.audience() != null && !request.audience().isBlank()) {
            p.put("audience", request.audience());
        }
        String query = p.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8).replace("+", "%20"))
                .collect(Collectors.joining("&"));
        return URI.create(endpoint + (endpoint.getRawQuery() == null ? "?" : "&") + query);
    }

    /** {@code BASE64URL(SHA-256(verifier))}: RFC 7636's S256. */
    static String challenge(String verifier) {
        try {
            return B64.encodeToString(MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }

    private static String random(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return B64.encodeToString(b);
    }

    private void openBrowser(URI url) {
        try {
            new ProcessBuilder("xdg-open", url.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            err.println("(could not start xdg-open: " + e.getMessage() + "; open the URL yourself)");
            err.flush();
        }
    }
}
