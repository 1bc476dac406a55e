package dev.berth.server.http;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.DeployImageRequest;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.SessionInfo;
import dev.berth.server.agents.AgentClient;
import dev.berth.server.agents.AgentSupervisor;
import dev.berth.server.runtimes.RuntimeService;
import dev.berth.server.sessions.SessionService;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;

/** {@code /v1/runtimes…}: deploy, list, show, remove, and invoke a runtime's agent by session id. */
public final class RuntimeRoutes {
    /** The invocation's session (AgentCore's runtimeSessionId): created or resumed; passed on to the agent too. */
    public static final String SESSION_HEADER = "X-Berth-Session-Id";
    /** Hop-by-hop and framing headers are the two connections' own, not the agent's to pass on. */
    private static final java.util.Set<String> NOT_FORWARDED = java.util.Set.of("connection", "keep-alive",
            "transfer-encoding", "content-length", "server", "date", "te", "trailer", "upgrade");

    private final RuntimeService runtimes;
    private final SessionService sessions;
    private final AgentSupervisor agents;
    private final AgentClient client;
    private final int maxInvocationBytes;

    public RuntimeRoutes(RuntimeService runtimes, SessionService sessions, AgentSupervisor agents, AgentClient client,
            int maxInvocationBytes) {
        this.runtimes = runtimes;
        this.sessions = sessions;
        this.agents = agents;
        this.client = client;
        this.maxInvocationBytes = maxInvocationBytes;
    }

    public List<Route> routes() {
        return List.of(
                Route.of("GET", "/v1/runtimes", x -> x.json(200, runtimes.list())),
                Route.of("POST", "/v1/runtimes/{name}", this::deploy),
                Route.of("GET", "/v1/runtimes/{name}", x -> x.json(200, runtimes.get(x.param("name"), version(x)))),
                Route.of("DELETE", "/v1/runtimes/{name}", x -> x.json(200,
                        Map.of("deleted", runtimes.delete(x.param("name"), version(x))))),
                Route.of("POST", "/v1/runtimes/{name}/invocations", this::invoke));
    }

    private static Integer version(Exchange x) {
        String v = x.query("version");
        if (v == null || v.isEmpty()) {
            return null;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "version must be a positive number: " + v);
        }
    }

    /** JSON {@code {"image": …}} deploys an image; an {@code application/zip} body deploys a project. */
    private void deploy(Exchange x) throws Exception {
        String type = x.header(HttpHeader.CONTENT_TYPE);
        String t = type == null ? "" : type.toLowerCase(Locale.ROOT);
        if (t.startsWith("application/zip") || t.startsWith("application/octet-stream")) {
            Path upload = runtimes.newUpload();
            try {
                x.bodyTo(upload, runtimes.policy().maxZipBytes());
                x.json(201, runtimes.deployZip(x.param("name"), upload, x.query("filename"), x.query("lang"),
                        x.query("entrypoint")));
            } finally {
                Files.deleteIfExists(upload);
            }
        } else {
            x.json(201, runtimes.deployImage(x.param("name"), x.body(DeployImageRequest.class, null)));
        }
    }

    /**
     * Forwards the payload to the agent's {@code POST /invocations} in the session's sandbox and
     * streams its answer back as the agent sends it: each chunk is written and flushed as it comes.
     */
    private void invoke(Exchange x) throws Exception {
        String name = x.param("name");
        runtimes.record(name, null); // an unknown runtime is an error before any session is made
        String sessionId = x.header(SESSION_HEADER);
        if (sessionId == null || sessionId.isBlank()) {
            sessionId = "s-" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        }
        byte[] payload = x.bytes();
        SessionInfo session = sessions.ensureRunning(sessionId, name);
        Path socket = agents.awaitReady(session.id());
        agents.invocationStarted(session.id());
        try {
            InputStreamResponseListener listener = new InputStreamResponseListener();
            client.invoke(socket, payload, x.header(HttpHeader.CONTENT_TYPE), listener, SESSION_HEADER, session.id());
            Response head;
            try {
                head = listener.get(runtimes.policy().startTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new ApiException(ErrorCode.AGENT_UNAVAILABLE, "the agent of " + session.id()
                        + " did not answer the invocation: " + e.getMessage());
            }
            x.response.setStatus(head.getStatus());
            for (HttpField f : head.getHeaders()) {
                if (!NOT_FORWARDED.contains(f.getLowerCaseName())) {
                    x.response.getHeaders().add(f.getName(), f.getValue());
                }
            }
            x.response.getHeaders().put(SESSION_HEADER, session.id());
            try (InputStream in = listener.getInputStream()) {
                byte[] buf = new byte[16 << 10];
                for (int n; (n = in.read(buf)) > 0; ) {
                    // what the agent has sent so far goes out now: a streamed answer stays streamed
                    Content.Sink.write(x.response, false, ByteBuffer.wrap(buf, 0, n));
                }
            }
            Content.Sink.write(x.response, true, ByteBuffer.allocate(0));
        } finally {
            agents.invocationEnded(session.id());
            sessions.touch(session.id());
        }
    }
}
