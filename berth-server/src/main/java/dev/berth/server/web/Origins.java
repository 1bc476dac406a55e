package dev.berth.server.web;

import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Request;

/** This server's origin as a request reached it: what a same-site browser sends as {@code Origin}. */
public final class Origins {
    private Origins() {}

    /** {@code scheme://host[:port]} of the request (its Host or :authority). */
    public static String of(Request request) {
        HttpURI uri = request.getHttpURI();
        String scheme = request.isSecure() ? "https" : "http";
        int port = uri.getPort();
        boolean defaultPort = port <= 0 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
        return scheme + "://" + uri.getHost() + (defaultPort ? "" : ":" + port);
    }
}
