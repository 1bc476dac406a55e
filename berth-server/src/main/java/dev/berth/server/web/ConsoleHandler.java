package dev.berth.server.web;

import dev.berth.api.Json;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.ErrorResponse;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * One port for both: {@code /v1/…} goes to the API, a {@code GET} of anything else is the web
 * console (docs/web.md). Console files need no sign-in: they hold no data, and every datum the pages
 * show comes from API calls that do.
 */
public final class ConsoleHandler extends Handler.Wrapper {
    /**
     * Only the console's own scripts run, and they talk only to this server. 'unsafe-inline' styles:
     * xterm.js and the player position their cells with style attributes.
     */
    private static final String CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "
            + "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
            + "connect-src 'self'; worker-src 'self' blob:; frame-src 'self'; frame-ancestors 'none'; "
            + "base-uri 'none'; form-action 'self'";

    private final Optional<ConsoleAssets> assets;

    public ConsoleHandler(Handler api, Optional<ConsoleAssets> assets) {
        super(api);
        this.assets = assets;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        boolean read = HttpMethod.GET.is(method) || HttpMethod.HEAD.is(method);
        if (path.startsWith("/v1/") || path.equals("/v1") || !read || assets.isEmpty()) {
            return super.handle(request, response, callback);
        }
        Optional<ConsoleAssets.Asset> file = assets.get().file(path);
        boolean page = file.isEmpty() && isPagePath(path);
        if (file.isEmpty() && !page) {
            notFound(path, response, callback);
            return true;
        }
        ConsoleAssets.Asset asset = file.orElseGet(assets.get()::index);
        var headers = response.getHeaders();
        headers.put(HttpHeader.CONTENT_TYPE, asset.contentType());
        headers.put(HttpHeader.ETAG, asset.etag());
        headers.put(HttpHeader.VARY, "Accept-Encoding");
        headers.put("X-Content-Type-Options", "nosniff");
        headers.put("Referrer-Policy", "no-referrer");
        if (path.startsWith("/assets/")) {
            headers.put(HttpHeader.CACHE_CONTROL, "public, max-age=31536000, immutable"); // names carry a hash
        } else {
            headers.put(HttpHeader.CACHE_CONTROL, "no-cache"); // revalidated: it names the current assets
            headers.put("Content-Security-Policy", CSP);
            headers.put("X-Frame-Options", "DENY");
        }
        if (asset.etag().equals(request.getHeaders().get(HttpHeader.IF_NONE_MATCH))) {
            response.setStatus(HttpStatus.NOT_MODIFIED_304);
            callback.succeeded();
            return true;
        }
        String accepts = request.getHeaders().get(HttpHeader.ACCEPT_ENCODING);
        byte[] body = asset.bytes();
        if (asset.gzip() != null && accepts != null && accepts.contains("gzip")) {
            headers.put(HttpHeader.CONTENT_ENCODING, "gzip");
            body = asset.gzip();
        }
        headers.put(HttpHeader.CONTENT_LENGTH, body.length);
        response.setStatus(HttpStatus.OK_200);
        if (HttpMethod.HEAD.is(method)) {
            callback.succeeded();
        } else {
            response.write(true, ByteBuffer.wrap(body), callback);
        }
        return true;
    }

    /** A path the console's router shows (a page, a deep link): no file extension in its last part. */
    private static boolean isPagePath(String path) {
        if (path.startsWith("/assets/")) {
            return false;
        }
        String last = path.substring(path.lastIndexOf('/') + 1);
        return !last.contains(".");
    }

    private static void notFound(String path, Response response, Callback callback) throws Exception {
        response.setStatus(HttpStatus.NOT_FOUND_404);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        byte[] body = Json.mapper().writeValueAsBytes(ErrorResponse.of(ErrorCode.ROUTE_NOT_FOUND,
                "no such file in the web console: " + path));
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
