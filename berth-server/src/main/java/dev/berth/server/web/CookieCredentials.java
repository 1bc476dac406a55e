package dev.berth.server.web;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;

/**
 * The console's sign-in: a browser cannot put {@code Authorization} on a WebSocket or a download
 * link, so the token it logged in with rides in an HttpOnly, SameSite=Strict cookie, accepted by
 * every {@code /v1/} call that has no {@code Authorization} header. Since a browser sends the
 * cookie whichever page asks, a cookie-authenticated call that changes something or opens a socket
 * must come from a page of this server ({@link SameOrigin}).
 */
public final class CookieCredentials {
    public static final String COOKIE = "berth_token";
    /** What the tokens this server accepts are made of (base64url, and a JWT's dots): nothing to quote in a cookie. */
    private static final Pattern COOKIE_SAFE = Pattern.compile("[A-Za-z0-9._~-]{1,16384}");

    /**
     * What a request presents to be authenticated with.
     *
     * @param authorization an {@code Authorization} header value (the cookie's token as a bearer); null: none
     * @param cookie whether it came from the cookie
     */
    public record Presented(String authorization, boolean cookie) {}

    private CookieCredentials() {}

    /** The request's {@code Authorization} header, else its cookie's token as a bearer token. */
    public static Presented of(Request request) {
        String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (header != null) {
            return new Presented(header, false);
        }
        for (HttpCookie c : Request.getCookies(request)) {
            if (c.getName().equals(COOKIE) && !c.getValue().isEmpty()) {
                return new Presented("Bearer " + c.getValue(), true);
            }
        }
        return new Presented(null, false);
    }

    /**
     * Refuses a cookie-authenticated request that changes something (any method but GET and HEAD)
     * or upgrades to a WebSocket, unless its {@code Origin} is this server.
     */
    public static void checkSameSite(Request request) {
        String method = request.getMethod();
        boolean reads = method.equals("GET") || method.equals("HEAD");
        // an HTTP/2 WebSocket is a CONNECT, so the method rule covers it; this is HTTP/1.1's upgrade
        boolean socket = "websocket".equalsIgnoreCase(request.getHeaders().get(HttpHeader.UPGRADE));
        if ((!reads || socket) && !SameOrigin.matches(request)) {
            throw crossSite();
        }
    }

    static ApiException crossSite() {
        return new ApiException(ErrorCode.FORBIDDEN, "cross-site request refused");
    }

    /** The cookie that signs a browser in with {@code token}. */
    static HttpCookie signIn(String token, boolean secure) {
        if (!COOKIE_SAFE.matcher(token).matches()) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "this token cannot be kept in a cookie");
        }
        return cookie(token, secure).build();
    }

    /** The cookie that replaces the sign-in one and expires at once. */
    static HttpCookie signOut(boolean secure) {
        return cookie("", secure).maxAge(0).build();
    }

    private static HttpCookie.Builder cookie(String value, boolean secure) {
        // no Max-Age: the browser forgets it when it closes, and the token's own expiry still applies
        return HttpCookie.build(COOKIE, value).path("/").httpOnly(true).sameSite(HttpCookie.SameSite.STRICT)
                .secure(secure);
    }
}
