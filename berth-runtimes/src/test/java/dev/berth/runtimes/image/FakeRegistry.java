package dev.berth.runtimes.image;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.berth.runtimes.image.TestImage.Blob;
import dev.berth.runtimes.image.TestImage.Image;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A registry the test scripts: it serves pushed manifests and blobs like a registry, logs every
 * request, and lets a test replace the answer for one path with whatever a broken or hostile
 * registry would send (a cut-off body, other bytes, an error, a redirect).
 */
final class FakeRegistry implements AutoCloseable {
    @FunctionalInterface
    interface Responder {
        void respond(HttpExchange ex) throws IOException;
    }

    private final HttpServer server;
    private final Map<String, Blob> content = new ConcurrentHashMap<>();
    private final Map<String, Responder> overrides = new ConcurrentHashMap<>();
    final List<String> requests = new CopyOnWriteArrayList<>();
    /** When set, every /v2/ request must carry it, else a Basic challenge answers. */
    volatile String requiredAuthorization;

    FakeRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 32);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    String ref(String repo, String reference) {
        return host() + "/" + repo + (reference.startsWith("sha256:") ? "@" : ":") + reference;
    }

    void put(String repo, String tag, Image image) {
        for (Blob b : image.layers()) {
            content.put(blobPath(repo, b), b);
        }
        content.put(blobPath(repo, image.config()), image.config());
        putManifest(repo, tag, image.manifest());
    }

    void putManifest(String repo, String reference, Blob manifest) {
        content.put("/v2/" + repo + "/manifests/" + reference, manifest);
        content.put("/v2/" + repo + "/manifests/" + manifest.digest(), manifest);
    }

    static String blobPath(String repo, Blob blob) {
        return "/v2/" + repo + "/blobs/" + blob.digest();
    }

    void override(String path, Responder responder) {
        overrides.put(path, responder);
    }

    List<String> blobRequests() {
        return requests.stream().filter(r -> r.contains("/blobs/")).toList();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            requests.add(ex.getRequestMethod() + " " + path);
            String required = requiredAuthorization;
            if (required != null && !required.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"fake\"");
                ex.sendResponseHeaders(401, -1);
                return;
            }
            Responder r = overrides.get(path);
            if (r != null) {
                r.respond(ex);
                return;
            }
            Blob b = content.get(path);
            if (b == null) {
                byte[] body = "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\",\"message\":\"unknown\"}]}".getBytes();
                ex.sendResponseHeaders(404, body.length);
                ex.getResponseBody().write(body);
                return;
            }
            send(ex, b);
        }
    }

    static void send(HttpExchange ex, Blob b) throws IOException {
        ex.getResponseHeaders().set("Content-Type", b.mediaType());
        ex.getResponseHeaders().set("Docker-Content-Digest", b.digest().toString());
        ex.sendResponseHeaders(200, b.bytes().length);
        ex.getResponseBody().write(b.bytes());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
