package dev.berth.server.http;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.DeployImageRequest;
import dev.berth.api.model.ErrorCode;
import dev.berth.runtimes.harness.Harness;
import dev.berth.runtimes.harness.HarnessSpec;
import dev.berth.runtimes.harness.Harnesses;
import dev.berth.runtimes.harness.Turn;
import dev.berth.server.agents.AgentClient;
import dev.berth.server.agents.AgentSupervisor;
import dev.berth.server.harness.HarnessInvocation;
import dev.berth.server.harness.TurnRunner;
import dev.berth.server.identity.Access;
import dev.berth.server.runtimes.RuntimeService;
import dev.berth.server.sessions.SessionService;
import dev.berth.server.store.RuntimeRecord;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
    private final TurnRunner turns;

    public RuntimeRoutes(RuntimeService runtimes, SessionService sessions, AgentSupervisor agents, AgentClient client,
            int maxInvocationBytes, TurnRunner turns) {
        this.turns = turns;
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
            dev.berth.api.model.RuntimeInfo info;
            try {
                x.bodyTo(upload, runtimes.policy().maxZipBytes());
                info = runtimes.deployZip(x.param("name"), upload, x.query("filename"), x.query("lang"),
                        x.query("entrypoint"), x.query("harness"), x.query("model"), x.query("command"));
            } finally {
                Files.deleteIfExists(upload); // before the answer: a client that got it sees no upload left
            }
            x.json(201, deployed(x, info));
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
     * A harness runtime's invocation is one turn of its CLI in the session: its steps are streamed back
     * as JSON lines as they are parsed ({@code {"type":"step",…}}), then how it ended ({@code "end"}).
     */
    private void turn(Exchange x, String id, RuntimeRecord runtime, HarnessInvocation asked) throws Exception {
        HarnessSpec h = runtime.spec().harness();
        Harness harness = Harnesses.named(h.name());
        Turn turn = asked.turn(h.model(), h.command());
        x.audit("harness", h.name());
        x.auditNow();
        NdJsonLines out = new NdJsonLines(x.response);
        x.response.setStatus(200);
        x.response.getHeaders().put(SESSION_HEADER, id);
        TurnRunner.Result r = turns.run(id, harness, turn, x.principal().user(), Map.of("invocation", true),
                0, step -> {
                    Map<String, Object> line = new LinkedHashMap<>();
                    line.put("type", "step");
                    line.put("kind", step.kind().name().toLowerCase(java.util.Locale.ROOT));
                    line.put("text", step.text());
                    line.put("tool", step.tool());
                    line.put("exitCode", step.exitCode());
                    try {
                        out.write(line);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e); // the client went away: the turn is killed
                    }
                }, () -> false);
        Map<String, Object> end = new LinkedHashMap<>();
        end.put("type", "end");
        end.put("commandId", r.command().commandId());
        end.put("steps", r.steps());
        var exit = r.command().exit();
        end.put("exitCode", exit == null ? null : exit.code());
        end.put("signal", exit == null ? null : exit.signal());
        if (exit == null) {
            end.put("detail", "the session went away during the turn");
        }
        out.write(end);
        out.end();
        sessions.touch(id);
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
        RuntimeRecord runtime = sessions.find(id).flatMap(runtimes::forSession).orElse(null);
        if (runtime != null && runtime.spec().harness() != null) {
            turn(x, id, runtime, HarnessInvocation.parse(payload, x.header(HttpHeader.CONTENT_TYPE)));
            return;
        }
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
