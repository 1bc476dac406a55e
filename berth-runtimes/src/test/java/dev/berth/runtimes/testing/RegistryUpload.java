package dev.berth.runtimes.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * Pushes blobs and manifests with the distribution API's monolithic upload: {@code POST
 * .../blobs/uploads/} then {@code PUT <location>&digest=...}, and {@code PUT .../manifests/<ref>}.
 */
public final class RegistryUpload implements AutoCloseable {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final TestRegistry registry;
    private final String authorization;

    /** {@code authorization} is sent with every request (null for an open registry). */
    public RegistryUpload(TestRegistry registry, String authorization) {
        this.registry = registry;
        this.authorization = authorization;
    }

    public void blob(String repo, String digest, byte[] bytes) throws IOException, InterruptedException {
        HttpResponse<String> start = send(HttpRequest.newBuilder(registry.uri("/v2/" + repo + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()), 202);
        URI location = registry.uri("/").resolve(start.headers().firstValue("Location").orElseThrow());
        String sep = location.getRawQuery() == null ? "?" : "&";
        send(HttpRequest.newBuilder(URI.create(location + sep + "digest=" + digest))
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)), 201);
    }

    /** A manifest or index under a tag or its digest. */
    public void manifest(String repo, String reference, String mediaType, byte[] bytes) throws IOException, InterruptedException {
        send(HttpRequest.newBuilder(registry.uri("/v2/" + repo + "/manifests/" + reference))
                .header("Content-Type", mediaType)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)), 201);
    }

    private HttpResponse<String> send(HttpRequest.Builder req, int expected) throws IOException, InterruptedException {
        if (authorization != null) {
            req.header("Authorization", authorization);
        }
        HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != expected) {
            throw new IOException(r.request().method() + " " + r.uri().getPath() + ": " + r.statusCode() + " " + r.body());
        }
        return r;
    }

    @Override
    public void close() {
        http.close();
    }
}
