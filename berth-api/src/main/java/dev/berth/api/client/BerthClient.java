package dev.berth.api.client;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import dev.berth.api.Json;
import dev.berth.api.model.ApiException;
import dev.berth.api.model.ArenaInfo;
import dev.berth.api.model.ArenaRequest;
import dev.berth.api.model.AuditRecord;
import dev.berth.api.model.AuditVerification;
import dev.berth.api.model.Budget;
import dev.berth.api.model.CommandInfo;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.ForkRequest;
import dev.berth.api.model.CreateTokenRequest;
import dev.berth.api.model.CreatedToken;
import dev.berth.api.model.DeployImageRequest;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.ErrorResponse;
import dev.berth.api.model.RuntimeInfo;
import dev.berth.api.model.SecretInfo;
import dev.berth.api.model.SessionBudget;
import dev.berth.api.model.SessionInfo;
import dev.berth.api.model.ShareRequest;
import dev.berth.api.model.TokenInfo;
import dev.berth.api.model.Tty;
import dev.berth.api.model.UsageReport;
import dev.berth.api.model.WhoAmI;
import dev.berth.api.stream.FrameCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * A small client of the Berth HTTP API, used by the CLI and the tests. It speaks HTTP/1.1 (the JDK
 * client has no h2c prior-knowledge mode and an upgrade costs a round trip), over TLS too for an
 * https:// server; the server offers the same API over HTTP/2 (h2c, or h2 with TLS) for clients
 * that want it.
 */
public final class BerthClient implements AutoCloseable {
    /** How long a request waits for the server's answer to begin (a stream's headers, not its end). */
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(60);
    /** An agent may think for long before its first byte (AgentCore allows 15 minutes). */
    private static final Duration INVOCATION_TIMEOUT = Duration.ofMinutes(15);
    /** The header naming an invocation's session, both ways. */
    public static final String SESSION_HEADER = "X-Berth-Session-Id";

    private final URI base;
    private final String token;
    private final HttpClient http;
    /** Whom an https:// server must prove itself to; null: the system's CAs. */
    private final SSLContext tls;

    public BerthClient(URI base, String token) {
        this(base, token, null);
    }

    /** @param tls the trust for an https:// server (see {@link dev.berth.api.tls.TlsTrust}); null: the system's CAs */
    public BerthClient(URI base, String token, SSLContext tls) {
        this.base = base;
        this.token = token;
        this.tls = tls;
        this.http = httpClient()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    /** A JDK client builder with this client's TLS trust; hostnames are verified either way. */
    private HttpClient.Builder httpClient() {
        HttpClient.Builder b = HttpClient.newBuilder();
        if (tls != null) {
            b.sslContext(tls);
        }
        return b;
    }

    public URI base() {
        return base;
    }

    public Map<String, Object> health() {
        return send(get("/v1/health"), new TypeReference<>() {});
    }

    public SessionInfo createSession(CreateSessionRequest request) {
        return send(post("/v1/sessions", request), SessionInfo.class);
    }

    public List<SessionInfo> listSessions() {
        return send(get("/v1/sessions"), new TypeReference<>() {});
    }

    public SessionInfo session(String id) {
        return send(get("/v1/sessions/" + enc(id)), SessionInfo.class);
    }

    public SessionInfo stopSession(String id) {
        return send(post("/v1/sessions/" + enc(id) + "/stop", null), SessionInfo.class);
    }

    /** Forks session {@code id} into new sessions (see {@link ForkRequest}); returns them, running. */
    public List<SessionInfo> forkSession(String id, ForkRequest request) {
        HttpRequest r = request("/v1/sessions/" + enc(id) + "/fork")
                .timeout(Duration.ofMinutes(15)) // without reflinks a big workspace is really copied first
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(toJson(request)))
                .build();
        return send(r, new TypeReference<>() {});
    }

    public void deleteSession(String id) {
        send(request("/v1/sessions/" + enc(id)).DELETE().build(), Void.class);
    }

    /** Starts a command and returns its binary output stream; read it with {@link FrameCodec.Reader}. */
    public InputStream runCommand(String sessionId, CommandRequest request) {
        HttpRequest r = request("/v1/sessions/" + enc(sessionId) + "/commands")
                .header("Accept", FrameCodec.MEDIA_TYPE)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(toJson(request)))
                .build();
        return stream(r);
    }

    /** Starts a command without waiting for it. */
    public CommandInfo startCommand(String sessionId, CommandRequest request) {
        CommandRequest detached = new CommandRequest(request.command(), request.argv(), request.env(), request.cwd(),
                request.stdin(), request.stdinBase64(), request.timeoutSeconds(), true, request.tty());
        return send(post("/v1/sessions/" + enc(sessionId) + "/commands", detached), CommandInfo.class);
    }

    public CommandInfo command(String sessionId, String commandId) {
        return send(get("/v1/sessions/" + enc(sessionId) + "/commands/" + enc(commandId)), CommandInfo.class);
    }

    public List<CommandInfo> listCommands(String sessionId) {
        return send(get("/v1/sessions/" + enc(sessionId) + "/commands"), new TypeReference<>() {});
    }

    /** The command's output from {@code offset}, following it until it exits. */
    public InputStream output(String sessionId, String commandId, long offset) {
        return output(sessionId, commandId, offset, 0);
    }

    /** The same, with a heartbeat at least every {@code heartbeatSeconds} while it is quiet (0: the server's). */
    public InputStream output(String sessionId, String commandId, long offset, int heartbeatSeconds) {
        HttpRequest.Builder b = request("/v1/sessions/" + enc(sessionId) + "/commands/" + enc(commandId) + "/output?offset="
                + offset + (heartbeatSeconds > 0 ? "&heartbeat=" + heartbeatSeconds : ""));
        if (heartbeatSeconds > 0) {
            b.timeout(Duration.ofSeconds(heartbeatSeconds * 5L)); // a re-attach that waits for its answer that long is dead
        }
        HttpRequest r = b
                .header("Accept", FrameCodec.MEDIA_TYPE)
                .GET()
                .build();
        return stream(r);
    }

    /**
     * Attaches to a command's terminal over its WebSocket, output from {@code offset}; {@code client}
     * names this client across its reconnects (its typing is counted under it). A refusal (no such
     * command, no terminal) is an {@link ApiException} with the server's code.
     */
    public TerminalChannel openTerminal(String sessionId, String commandId, long offset, String client,
            int heartbeatSeconds, TerminalChannel.Listener listener) {
        String path = "/v1/sessions/" + enc(sessionId) + "/commands/" + enc(commandId) + "/tty?offset=" + offset
                + "&client=" + enc(client) + (heartbeatSeconds > 0 ? "&heartbeat=" + heartbeatSeconds : "");
        java.net.URI http = base.resolve(path);
        java.net.URI ws = java.net.URI.create((http.getScheme().equals("https") ? "wss" : "ws")
                + http.toString().substring(http.getScheme().length()));
        // a client of its own, whose work runs on its selector thread: each hand-off to another thread cost
        // ~0.1 ms per keystroke; a listener that blocks (a slow terminal) then holds up reading, which is the
        // backpressure wanted
        HttpClient own = httpClient().version(HttpClient.Version.HTTP_1_1).executor(Runnable::run)
                .connectTimeout(Duration.ofSeconds(5)).build();
        java.net.http.WebSocket.Builder b = own.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            return TerminalChannel.open(b, ws, listener, own::shutdownNow);
        } catch (TerminalChannel.HandshakeRefused e) {
            send(get(path), Void.class); // the same checks over plain HTTP give the reason as a JSON error
            throw new ApiException(ErrorCode.INTERNAL, e.getMessage());
        }
    }

    /** Types {@code bytes} on a command's terminal. */
    public void input(String sessionId, String commandId, byte[] bytes) {
        HttpRequest r = request("/v1/sessions/" + enc(sessionId) + "/commands/" + enc(commandId) + "/input")
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
                .build();
        send(r, Void.class);
    }

    /** Gives a command's terminal a new size. */
    public void resize(String sessionId, String commandId, int rows, int cols) {
        send(post("/v1/sessions/" + enc(sessionId) + "/commands/" + enc(commandId) + "/resize", new Tty(rows, cols)),
                Void.class);
    }

    public void signal(String sessionId, String commandId, String signal) {
        send(post("/v1/sessions/" + enc(sessionId) + "/commands/" + enc(commandId) + "/signal",
                Map.of("signal", signal)), Void.class);
    }

    /** Deploys an image as a new version of runtime {@code name} (pulled by the server). */
    public RuntimeInfo deployImage(String name, String image, boolean insecure) {
        return send(post("/v1/runtimes/" + enc(name), new DeployImageRequest(image, insecure ? true : null)), RuntimeInfo.class);
    }

    /**
     * Deploys a harness as a new version of runtime {@code name}: installed by the server (npm harnesses),
     * or from {@code image} (null for none) that has its CLI.
     *
     * @param model its default model, or null; @param command the custom harness's command, or null
     */
    public RuntimeInfo deployHarness(String name, String harness, String model, String command, String image, boolean insecure) {
        HttpRequest r = request("/v1/runtimes/" + enc(name))
                .timeout(Duration.ofMinutes(15)) // the harness's package is installed before the answer
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(toJson(new DeployImageRequest(image, insecure ? true : null,
                        harness, model, command))))
                .build();
        return send(r, RuntimeInfo.class);
    }

    /** Uploads a project zip as a new version of runtime {@code name}. */
    public RuntimeInfo deployZip(String name, Path zip, String lang, String entrypoint) {
        return deployZip(name, zip, lang, entrypoint, null, null, null);
    }

    /** Uploads a project zip, with {@code harness} ({@code custom}, or null for an agent runtime). */
    public RuntimeInfo deployZip(String name, Path zip, String lang, String entrypoint, String harness, String model,
            String command) {
        try {
            String q = "?lang=" + enc(lang) + "&filename=" + enc(zip.getFileName().toString())
                    + (entrypoint == null ? "" : "&entrypoint=" + enc(entrypoint))
                    + (harness == null ? "" : "&harness=" + enc(harness))
                    + (model == null ? "" : "&model=" + enc(model))
                    + (command == null ? "" : "&command=" + enc(command));
            HttpRequest r = request("/v1/runtimes/" + enc(name) + q)
                    .timeout(Duration.ofMinutes(15)) // dependencies are installed before the answer
                    .header("Content-Type", "application/zip")
                    .POST(HttpRequest.BodyPublishers.ofFile(zip))
                    .build();
            return send(r, RuntimeInfo.class);
        } catch (java.io.FileNotFoundException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<RuntimeInfo> listRuntimes() {
        return send(get("/v1/runtimes"), new TypeReference<>() {});
    }

    /** A version of a runtime; null for its newest. */
    public RuntimeInfo runtime(String name, Integer version) {
        return send(get("/v1/runtimes/" + enc(name) + (version == null ? "" : "?version=" + version)), RuntimeInfo.class);
    }

    /** Removes a version, or every version with null; returns how many went. */
    public int deleteRuntime(String name, Integer version) {
        Map<String, Integer> r = send(request("/v1/runtimes/" + enc(name) + (version == null ? "" : "?version=" + version))
                .DELETE().build(), new TypeReference<Map<String, Integer>>() {});
        return r.getOrDefault("deleted", 0);
    }

    /** The caller as the server sees them. */
    public WhoAmI whoami() {
        return send(get("/v1/whoami"), WhoAmI.class);
    }

    /** A new local API token (admins only); its secret is in the answer, this once. */
    public CreatedToken createToken(CreateTokenRequest request) {
        return send(post("/v1/tokens", request), CreatedToken.class);
    }

    public List<TokenInfo> listTokens() {
        return send(get("/v1/tokens"), new TypeReference<>() {});
    }

    /** Revokes a token at once. */
    public TokenInfo revokeToken(String id) {
        return send(request("/v1/tokens/" + enc(id)).DELETE().build(), TokenInfo.class);
    }

    /** Stores a secret (admins only), replacing its value if it has one; no call ever returns the value. */
    public SecretInfo setSecret(String name, byte[] value) {
        HttpRequest r = request("/v1/secrets/" + enc(name))
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(value))
                .build();
        return send(r, SecretInfo.class);
    }

    /** Every secret's name and times, never a value. */
    public List<SecretInfo> listSecrets() {
        return send(get("/v1/secrets"), new TypeReference<>() {});
    }

    public SecretInfo deleteSecret(String name) {
        return send(request("/v1/secrets/" + enc(name)).DELETE().build(), SecretInfo.class);
    }

    /** Shares a session with users and groups ({@code add}) or stops sharing it. */
    public SessionInfo share(String sessionId, ShareRequest who, boolean add) {
        return send(post("/v1/sessions/" + enc(sessionId) + (add ? "/share" : "/unshare"), who), SessionInfo.class);
    }

    /** Audit events matching the query parameters ({@code session}, {@code user}, {@code action}, {@code since}, {@code until}, {@code limit}). */
    public List<AuditRecord> audit(Map<String, String> query) {
        return send(get("/v1/audit" + queryString(query)), new TypeReference<>() {});
    }

    /** The audit events as JSON lines, the matching backlog then live ones (and heartbeats), until closed. */
    public InputStream followAudit(Map<String, String> query) {
        java.util.Map<String, String> q = new java.util.LinkedHashMap<>(query);
        q.put("follow", "true");
        return stream(get("/v1/audit" + queryString(q)));
    }

    public AuditVerification verifyAudit() {
        return send(post("/v1/audit/verify", null), AuditVerification.class);
    }

    /**
     * Model calls through the gateway, added up per session, agent and model, with a grand total.
     *
     * @param sessionId only this session's (null: every session the caller may see)
     * @param since from this time (null: ever)
     */
    public UsageReport usage(String sessionId, java.time.Instant since) {
        java.util.Map<String, String> q = new java.util.LinkedHashMap<>();
        q.put("session", sessionId);
        q.put("since", since == null ? null : since.toString());
        return send(get("/v1/usage" + queryString(q)), UsageReport.class);
    }

    /** A session's model budget and what it has spent. */
    public SessionBudget budget(String sessionId) {
        return send(get("/v1/sessions/" + enc(sessionId) + "/budget"), SessionBudget.class);
    }

    /** Sets a session's model budget (both limits null: removes it). */
    public SessionBudget setBudget(String sessionId, Budget budget) {
        return send(request("/v1/sessions/" + enc(sessionId) + "/budget").header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(toJson(budget))).build(), SessionBudget.class);
    }

    /** A terminal's recording, asciicast v2. */
    public InputStream ttyRecording(String commandId) {
        return stream(get("/v1/audit/ttys/" + enc(commandId)));
    }

    /** A session's log as JSON lines: its events and its commands' output; following, until closed. */
    public InputStream sessionLogs(String sessionId, boolean follow) {
        return stream(get("/v1/sessions/" + enc(sessionId) + "/logs" + (follow ? "?follow=true" : "")));
    }

    /** Starts an arena: the server forks the source once per agent and runs them; it outlives this client. */
    public ArenaInfo startArena(ArenaRequest request) {
        return send(post("/v1/arenas", request), ArenaInfo.class);
    }

    public List<ArenaInfo> arenas() {
        return send(get("/v1/arenas"), new TypeReference<>() {});
    }

    public ArenaInfo arena(String id) {
        return send(get("/v1/arenas/" + enc(id)), ArenaInfo.class);
    }

    /** An arena's progress as JSON lines ({@code progress} on each change, {@code done} last). */
    public InputStream followArena(String id) {
        return stream(get("/v1/arenas/" + enc(id) + "/follow"));
    }

    /** The arena's results as one self-contained HTML page. */
    public String arenaReport(String id) {
        return text(get("/v1/arenas/" + enc(id) + "/report.html"));
    }

    /** What an agent of the arena changed, as a patch {@code git apply} takes. */
    public String arenaPatch(String id, String agent) {
        return text(get("/v1/arenas/" + enc(id) + "/agents/" + enc(agent) + "/patch"));
    }

    public ArenaInfo stopArena(String id) {
        return send(post("/v1/arenas/" + enc(id) + "/stop", null), ArenaInfo.class);
    }

    private String text(HttpRequest r) {
        try (InputStream in = stream(r)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(unreachable(e));
        }
    }

    private static String queryString(Map<String, String> query) {
        StringBuilder sb = new StringBuilder();
        query.forEach((k, v) -> {
            if (v != null) {
                sb.append(sb.isEmpty() ? "?" : "&").append(enc(k)).append('=').append(enc(v));
            }
        });
        return sb.toString();
    }

    /**
     * Invokes a runtime's agent in session {@code sessionId} (created or resumed by the server)
     * and returns its answer as it streams.
     */
    public Invocation invoke(String name, String sessionId, byte[] payload, String contentType) {
        HttpRequest.Builder b = request("/v1/runtimes/" + enc(name) + "/invocations")
                .timeout(INVOCATION_TIMEOUT)
                .header("Content-Type", contentType == null ? "application/json" : contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(payload));
        if (sessionId != null) {
            b.header(SESSION_HEADER, sessionId);
        }
        HttpResponse<InputStream> response = streamed(b.build());
        return new Invocation(response.headers().firstValue(SESSION_HEADER).orElse(sessionId), response.statusCode(),
                response.headers().firstValue("Content-Type").orElse(null), response.body());
    }

    /** An invocation's answer: the session it ran in, and the agent's body as it streams. */
    public record Invocation(String sessionId, int status, String contentType, InputStream body) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            body.close();
        }
    }

    private InputStream stream(HttpRequest r) {
        return streamed(r).body();
    }

    /** A 2xx response whose body is still to be read; any other status becomes its error. */
    private HttpResponse<InputStream> streamed(HttpRequest r) {
        try {
            HttpResponse<InputStream> response = http.send(r, HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() / 100 != 2) {
                byte[] body;
                try (InputStream in = response.body()) {
                    body = in.readAllBytes();
                }
                throw error(response.statusCode(), body);
            }
            return response;
        } catch (IOException e) {
            throw new UncheckedIOException(unreachable(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(ErrorCode.INTERNAL, "interrupted");
        }
    }

    private <T> T send(HttpRequest r, Class<T> type) {
        return send(r, Json.mapper().getTypeFactory().constructType(type));
    }

    private <T> T send(HttpRequest r, TypeReference<T> type) {
        return send(r, Json.mapper().getTypeFactory().constructType(type));
    }

    private <T> T send(HttpRequest r, JavaType type) {
        try {
            HttpResponse<byte[]> response = http.send(r, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() / 100 != 2) {
                throw error(response.statusCode(), response.body());
            }
            if (type.getRawClass() == Void.class || response.body().length == 0) {
                return null;
            }
            return Json.mapper().readValue(response.body(), type);
        } catch (IOException e) {
            throw new UncheckedIOException(unreachable(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(ErrorCode.INTERNAL, "interrupted");
        }
    }

    private IOException unreachable(IOException e) {
        Optional<TlsFailure> tlsFailure = TlsFailure.of(base, e);
        if (tlsFailure.isPresent()) {
            return tlsFailure.get();
        }
        if (e instanceof java.net.ConnectException) {
            return new java.net.ConnectException("cannot reach the Berth server at " + base
                    + " (is it running? start it with `berth up`)");
        }
        return e;
    }

    /**
     * Stops the HTTP client's selector thread at once. Without it a JVM exit waits up to 300 ms for
     * that thread, which is most of a short CLI call.
     */
    @Override
    public void close() {
        http.shutdownNow();
    }

    private static ApiException error(int status, byte[] body) {
        try {
            ErrorResponse e = Json.mapper().readValue(body, ErrorResponse.class);
            if (e.error() != null) {
                return new ApiException(ErrorCode.fromCode(e.error().code()), e.error().message());
            }
        } catch (IOException ignored) {
            // not one of ours: fall through to a generic error
        }
        return new ApiException(ErrorCode.INTERNAL, "HTTP " + status + ": "
                + new String(body, StandardCharsets.UTF_8).strip());
    }

    private HttpRequest get(String path) {
        return request(path).GET().build();
    }

    private HttpRequest post(String path, Object body) {
        return request(path)
                .header("Content-Type", "application/json")
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(toJson(body)))
                .build();
    }

    private HttpRequest.Builder request(String path) {
        // a server (or a proxy) that takes the connection and never answers must not hang a client for good
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(ANSWER_TIMEOUT);
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private static byte[] toJson(Object body) {
        try {
            return Json.mapper().writeValueAsBytes(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
