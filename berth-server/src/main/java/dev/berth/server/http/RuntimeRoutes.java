package dev.berth.server.http;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.DeployImageRequest;
import dev.berth.api.model.ErrorCode;
import dev.berth.server.agents.AgentClient;
import dev.berth.server.agents.AgentSupervisor;
import dev.berth.server.identity.Access;
import dev.berth.server.runtimes.RuntimeService;
import dev.berth.server.sessions.SessionService;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
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
                Route.of("GET", "/v1/runtimes", Access.RUNTIMES, x -> x.json(200, runtimes.list().stream()
                        .filter(r -> x.principal().mayRun(r.name())).toList())),
                Route.of("POST", "/v1/runtimes/{name}", Access.RUNTIME_ADMIN, this::deploy).audited("runtime.deploy"),
                Route.of("GET", "/v1/runtimes/{name}", Access.RUNTIMES, this::show),
                Route.of("DELETE", "/v1/runtimes/{name}", Access.RUNTIME_ADMIN, x -> x.json(200,
                        Map.of("deleted", runtimes.delete(x.param("name"), version(x))))).audited("runtime.delete"),
                Route.of("POST", "/v1/runtimes/{name}/invocations", Access.INVOKE, this::invoke).audited("invoke"));
    }

    private void show(Exchange x) throws Exception {
        if (!x.principal().mayRun(x.param("name"))) {
            throw new ApiException(ErrorCode.RUNTIME_NOT_FOUND, "no runtime " + x.param("name"));
        }
        x.json(200, runtimes.get(x.param("name"), version(x)));
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

    /**
     * JSON {@code {"image": …}} deploys an image, {@code {"harness": …}} a harness (on an image if one is
     * named); an {@code application/zip} body deploys a project ({@code ?harness=custom}: as a custom harness).
     */
    private void deploy(Exchange x) throws Exception {
        String type = x.header(HttpHeader.CONTENT_TYPE);
        String t = type == null ? "" : type.toLowerCase(Locale.ROOT);
        if (t.startsWith("application/zip") || t.startsWith("application/octet-stream")) {
            Path upload = runtimes.newUpload();
            try {
                x.bodyTo(upload, runtimes.policy().maxZipBytes());
                x.json(201, deployed(x, runtimes.deployZip(x.param("name"), upload, x.query("filename"),
                        x.query("lang"), x.query("entrypoint"), x.query("harness"), x.query("model"), x.query("command"))));
            } finally {
                Files.deleteIfExists(upload);
            }
        } else {
            x.json(201, deployed(x, runtimes.deployImage(x.param("name"), x.body(DeployImageRequest.class, null))));
        }
    }

    private static dev.berth.api.model.RuntimeInfo deployed(Exchange x, dev.berth.api.model.RuntimeInfo r) {
        x.auditTarget(null, "runtime/" + r.name() + "@" + r.version())
                .audit("kind", r.kind()).audit("source", r.source()).audit("digest", r.digest());
        if (r.harness() != null) {
            x.audit("harness", r.harness().name());
        }
        return r;
    }

    /**
     * The agent's answer, passed on as it arrives, on the client's threads: each chunk is written
     * (and flushed) to the caller before the next is read, so a slow caller slows the agent down
     * instead of piling its answer up here.
     */
    private static final class Relay implements Response.Listener {
        private final Exchange x;
        private final String sessionId;
        final java.util.concurrent.CompletableFuture<Throwable> done = new java.util.concurrent.CompletableFuture<>();

        Relay(Exchange x, String sessionId) {
            this.x = x;
            this.sessionId = sessionId;
        }

        @Override
        public void onHeaders(Response head) {
            x.response.setStatus(head.getStatus());
            for (HttpField f : head.getHeaders()) {
                if (!NOT_FORWARDED.contains(f.getLowerCaseName())) {
                    x.response.getHeaders().add(f.getName(), f.getValue());
                }
            }
            x.response.getHeaders().put(SESSION_HEADER, sessionId);
        }

        @Override
        public void onContent(Response r, ByteBuffer content) {
            try {
                Content.Sink.write(x.response, false, content);
            } catch (java.io.IOException e) {
                r.abort(e); // the caller went away: so does the agent's answer
            }
        }

        @Override
        public void onComplete(org.eclipse.jetty.client.Result result) {
            done.complete(result.getFailure());
        }
    }

    /**
     * Forwards the payload to the agent's {@code POST /invocations} in the session's sandbox and
     * streams its answer back as the agent sends it: each chunk is written and flushed as it comes.
     */
    private void invoke(Exchange x) throws Exception {
        String name = x.param("name");
        String sessionId = x.header(SESSION_HEADER);
        if (sessionId == null || sessionId.isBlank()) {
            sessionId = "s-" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        }
        byte[] payload = x.bytes();
        // the common case, a running session of this runtime, is answered from memory: no store round trip
        if (!agents.runs(sessionId, name)) {
            runtimes.record(name, null); // an unknown runtime is an error before any session is made
            sessions.ensureRunning(sessionId, name, x.principal().user(), x.principal().role().wire());
        }
        String id = sessionId;
        x.auditTarget(id, "runtime/" + name).audit("bytes", payload.length);
        x.auditNow();
        Path socket = agents.awaitReady(id);
        agents.invocationStarted(id);
        try {
            Relay relay = new Relay(x, id);
            client.invoke(socket, payload, x.header(HttpHeader.CONTENT_TYPE), relay, SESSION_HEADER, id);
            Throwable failed = relay.done.get();
            if (failed != null) {
                if (!x.response.isCommitted()) {
                    throw new ApiException(ErrorCode.AGENT_UNAVAILABLE, "the agent of " + id
                            + " did not answer the invocation: " + failed.getMessage());
                }
                throw new java.io.IOException("the agent of " + id + " broke off its answer", failed);
            }
            Content.Sink.write(x.response, true, ByteBuffer.allocate(0));
        } finally {
            agents.invocationEnded(id);
            sessions.touch(id);
        }
    }
}
