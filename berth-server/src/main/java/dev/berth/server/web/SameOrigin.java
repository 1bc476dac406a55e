package dev.berth.server.web;

import java.net.URI;
import java.util.Locale;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Request;

/**
 * Whether a request comes from a page of this server: its {@code Origin} names the scheme, host and
 * port the request itself was sent to (its {@code Host} or {@code :authority}). A browser sets
 * {@code Origin} itself and a page cannot forge it, which is what makes it a CSRF defence.
 */
public final class SameOrigin {
    private SameOrigin() {}

    /** The scheme, host and port (-1 when none was given) the request was sent to. */
    private record Reached(String scheme, String host, int port) {
        static Reached by(Request request) {
            HttpURI uri = request.getHttpURI();
            boolean named = uri.getHost() != null;
            return new Reached(request.isSecure() ? "https" : "http",
                    named ? uri.getHost() : Request.getServerName(request),
                    named ? uri.getPort() : Request.getServerPort(request));
        }
    }

    /** {@code scheme://host[:port]} of this server as the request reached it: what its pages send as Origin. */
    public static String of(Request request) {
        Reached r = Reached.by(request);
        return r.scheme() + "://" + r.host() + (r.port() <= 0 || r.port() == portOr(-1, r.scheme()) ? "" : ":" + r.port());
    }

    /** Whether the request carries an {@code Origin} naming the server it was sent to. */
    public static boolean matches(Request request) {
        String origin = request.getHeaders().get(HttpHeader.ORIGIN);
        return origin != null && matches(origin, request);
    }

    static boolean matches(String origin, Request request) {
        URI o;
        try {
            o = new URI(origin.strip());
        } catch (java.net.URISyntaxException e) {
            return false; // "null" (an opaque origin) lands here or below: never this server
        }
        if (o.getScheme() == null || o.getHost() == null || o.getRawPath() != null && !o.getRawPath().isEmpty()) {
            return false;
        }
        Reached r = Reached.by(request);
        return o.getScheme().toLowerCase(Locale.ROOT).equals(r.scheme())
                && bare(o.getHost()).equalsIgnoreCase(bare(r.host()))
                && portOr(o.getPort(), r.scheme()) == portOr(r.port(), r.scheme());
    }

    private static String bare(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static int portOr(int port, String scheme) {
        return port > 0 ? port : scheme.equals("https") ? 443 : 80;
    }
}
