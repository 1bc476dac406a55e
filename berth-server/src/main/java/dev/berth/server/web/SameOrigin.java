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

    /** {@code scheme://host[:port]} of this server as the request reached it: what its pages send as Origin. */
    public static String of(Request request) {
        String scheme = request.isSecure() ? "https" : "http";
        HttpURI uri = request.getHttpURI();
        String host = uri.getHost() != null ? uri.getHost() : Request.getServerName(request);
        int port = uri.getHost() != null ? uri.getPort() : Request.getServerPort(request);
        return scheme + "://" + host + (port <= 0 || port == portOr(-1, scheme) ? "" : ":" + port);
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
        String scheme = request.isSecure() ? "https" : "http";
        HttpURI uri = request.getHttpURI();
        String host = uri.getHost() != null ? uri.getHost() : Request.getServerName(request);
        int port = uri.getHost() != null ? uri.getPort() : Request.getServerPort(request);
        return o.getScheme().toLowerCase(Locale.ROOT).equals(scheme)
                && bare(o.getHost()).equalsIgnoreCase(bare(host))
                && portOr(o.getPort(), scheme) == portOr(port, scheme);
    }

    private static String bare(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static int portOr(int port, String scheme) {
        return port > 0 ? port : scheme.equals("https") ? 443 : 80;
    }
}
