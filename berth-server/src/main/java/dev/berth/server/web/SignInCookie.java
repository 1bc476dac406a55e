package dev.berth.server.web;

import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;

/**
 * The console's sign-in: the bearer token itself in an HttpOnly cookie (scripts cannot read it),
 * SameSite=Strict (another site's page cannot make the browser send it), Secure under TLS.
 */
public final class SignInCookie {
    public static final String NAME = "berth_token";

    private SignInCookie() {}

    /** Signs the browser in with {@code token}. */
    public static void set(Request request, Response response, String token) {
        Response.addCookie(response, HttpCookie.build(NAME, token).path("/").httpOnly(true).secure(request.isSecure())
                .sameSite(HttpCookie.SameSite.STRICT).build());
    }

    /** Signs it out. */
    public static void clear(Request request, Response response) {
        Response.addCookie(response, HttpCookie.build(NAME, "").path("/").httpOnly(true).secure(request.isSecure())
                .sameSite(HttpCookie.SameSite.STRICT).maxAge(0).build());
    }
}
