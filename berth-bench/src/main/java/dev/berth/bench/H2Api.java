package dev.berth.bench;

import dev.berth.api.Json;
import dev.berth.api.model.CommandInfo;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.SessionInfo;
import dev.berth.api.stream.FrameCodec;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;

/**
 * The Berth API over h2c with prior knowledge (Jetty's HTTP/2 client): one TCP connection, no
 * upgrade round trip, every request a new stream. Kept open across runs, as an agent's SDK would.
 */
public final class H2Api implements AutoCloseable {
    private static final long TIMEOUT_SECONDS = 60;

    private final URI base;
    private final String token;
    private final HttpClient http;

    public H2Api(URI base, String token) throws Exception {
        this.base = base;
        this.token = token;
        this.http = new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client()));
        http.start();
    }

    public SessionInfo createSession(String id) throws Exception {
        ContentResponse r = json(HttpMethod.POST, "/v1/sessions", CreateSessionRequest.of(id, null, null));
        expect(r, 201);
        return Json.mapper().readValue(r.getContent(), SessionInfo.class);
    }

    public void deleteSession(String id) throws Exception {
        expect(request(HttpMethod.DELETE, "/v1/sessions/" + id).send(), 204);
    }

    /** {@code POST /v1/sessions/{id}/stop}: sandbox torn down, workspace kept. */
    public SessionInfo stopSession(String id) throws Exception {
        ContentResponse r = request(HttpMethod.POST, "/v1/sessions/" + id + "/stop").send();
        expect(r, 200);
        return Json.mapper().readValue(r.getContent(), SessionInfo.class);
    }

    /** Starts a command that runs on without a client ({@code "detach": true}); returns its id. */
    public String detach(String sessionId, String shellCommand) throws Exception {
        ContentResponse r = json(HttpMethod.POST, "/v1/sessions/" + sessionId + "/commands",
                new CommandRequest(shellCommand, null, null, null, null, null, null, true));
        expect(r, 201);
        return Json.mapper().readValue(r.getContent(), CommandInfo.class).id();
    }

    /** Starts {@code argv} on a terminal of 24x80, detached; returns its id. */
    public String startTty(String sessionId, List<String> argv) throws Exception {
        ContentResponse r = json(HttpMethod.POST, "/v1/sessions/" + sessionId + "/commands",
                new CommandRequest(null, argv, java.util.Map.of("TERM", "xterm"), null, null, null, null, true,
                        new dev.berth.api.model.Tty(24, 80)));
        expect(r, 201);
        return Json.mapper().readValue(r.getContent(), CommandInfo.class).id();
    }

    /** Types {@code bytes} on a command's terminal. */
    public void input(String sessionId, String commandId, byte[] bytes) throws Exception {
        expect(request(HttpMethod.POST, "/v1/sessions/" + sessionId + "/commands/" + commandId + "/input")
                .body(new BytesRequestContent("application/octet-stream", bytes)).send(), 204);
    }

    public CommandInfo command(String sessionId, String commandId) throws Exception {
        ContentResponse r = request(HttpMethod.GET, "/v1/sessions/" + sessionId + "/commands/" + commandId).send();
        expect(r, 200);
        return Json.mapper().readValue(r.getContent(), CommandInfo.class);
    }

    public List<SessionInfo> sessions() throws Exception {
        ContentResponse r = request(HttpMethod.GET, "/v1/sessions").send();
        expect(r, 200);
        return List.of(Json.mapper().readValue(r.getContent(), SessionInfo[].class));
    }

    /** Starts a command and returns its binary output stream once the response headers arrived. */
    public CommandStream run(String sessionId, CommandRequest command) throws Exception {
        return stream(request(HttpMethod.POST, "/v1/sessions/" + sessionId + "/commands")
                .body(new BytesRequestContent("application/json", Json.mapper().writeValueAsBytes(command))), "starting a command");
    }

    /** A command's output from {@code offset} on, following it (re-attaching, as a client after a restart does). */
    public CommandStream attach(String sessionId, String commandId, long offset) throws Exception {
        return stream(request(HttpMethod.GET, "/v1/sessions/" + sessionId + "/commands/" + commandId + "/output?offset="
                + offset), "attaching to " + commandId);
    }

    private CommandStream stream(Request request, String what) throws Exception {
        InputStreamResponseListener listener = new InputStreamResponseListener();
        request.headers(h -> h.put("Accept", FrameCodec.MEDIA_TYPE))
                .timeout(0, TimeUnit.SECONDS) // a 1 GiB stream may take long; the reader bounds it
                .send(listener);
        Response r = listener.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (r.getStatus() != 200) {
            String body = new String(listener.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            throw new IOException("HTTP " + r.getStatus() + " " + what + ": " + body);
        }
        if (r.getVersion() != HttpVersion.HTTP_2) {
            throw new IOException("expected HTTP/2, got " + r.getVersion());
        }
        return new CommandStream(listener.getInputStream());
    }

    private ContentResponse json(HttpMethod method, String path, Object body) throws Exception {
        return request(method, path)
                .body(new BytesRequestContent("application/json", Json.mapper().writeValueAsBytes(body)))
                .send();
    }

    private Request request(HttpMethod method, String path) {
        return http.newRequest(base.resolve(path))
                .method(method)
                .timeout(TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .headers(h -> h.put("Authorization", "Bearer " + token));
    }

    private static void expect(ContentResponse r, int status) throws IOException {
        if (r.getStatus() != status) {
            throw new IOException("HTTP " + r.getStatus() + " (expected " + status + "): " + r.getContentAsString());
        }
    }

    @Override
    public void close() throws IOException {
        try {
            http.stop();
        } catch (Exception e) {
            throw new IOException("could not stop the HTTP client", e);
        }
    }
}
