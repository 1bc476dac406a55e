package dev.berth.server.http;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.Tty;
import dev.berth.api.stream.FrameCodec;
import dev.berth.sandbox.spi.RunningCommand;
import dev.berth.server.identity.Access;
import dev.berth.server.sessions.CommandService;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;

/** {@code /v1/sessions/{id}/commands…}: the direct command path, no LLM in the loop. */
public final class CommandRoutes {
    private final CommandService commands;
    private final Duration heartbeat;

    public CommandRoutes(CommandService commands, Duration heartbeat) {
        this.commands = commands;
        this.heartbeat = heartbeat;
    }

    public List<Route> routes() {
        return List.of(
                Route.of("POST", "/v1/sessions/{id}/commands", Access.SESSION, this::run).audited("command.start"),
                Route.of("GET", "/v1/sessions/{id}/commands", Access.SESSION, x -> x.json(200, commands.list(x.param("id")))),
                Route.of("GET", "/v1/sessions/{id}/commands/{cid}", Access.SESSION,
                        x -> x.json(200, commands.get(x.param("id"), x.param("cid")))),
                Route.of("GET", "/v1/sessions/{id}/commands/{cid}/output", Access.SESSION, this::output),
                Route.of("POST", "/v1/sessions/{id}/commands/{cid}/signal", Access.SESSION, this::signal)
                        .audited("command.signal"),
                Route.of("POST", "/v1/sessions/{id}/commands/{cid}/input", Access.SESSION, x -> {
                    byte[] input = x.bytes();
                    commands.input(x.param("id"), x.param("cid"), input); // raw bytes, as typed
                    x.audit("bytes", input.length);
                    x.json(204, null);
                }).audited("command.input"),
                Route.of("POST", "/v1/sessions/{id}/commands/{cid}/resize", Access.SESSION, x -> {
                    commands.resize(x.param("id"), x.param("cid"), x.body(Tty.class, null));
                    x.json(204, null);
                }));
    }

    private void run(Exchange x) throws Exception {
        CommandRequest request = x.body(CommandRequest.class, null);
        String sessionId = x.param("id");
        CommandService.StartedCommand started = commands.start(sessionId, request, x.principal().user());
        String cid = started.record().id();
        boolean tty = started.record().tty();
        x.auditTarget(sessionId, (tty ? "tty/" : "command/") + cid)
                .auditAction(tty ? "tty.open" : "command.start")
                .audit("argv", started.record().argv())
                .audit("cwd", started.record().cwd());
        x.auditNow(); // who started it is on record before the first byte of output
        if (Boolean.TRUE.equals(request.detach())) {
            x.json(201, commands.get(sessionId, cid));
            return;
        }
        stream(x, sessionId, cid, started.command(), 0, heartbeat);
    }

    private void output(Exchange x) throws Exception {
        String sessionId = x.param("id");
        String cid = x.param("cid");
        long offset = offset(x.query("offset"));
        stream(x, sessionId, cid, commands.output(sessionId, cid), offset, heartbeat(x.query("heartbeat"), heartbeat));
    }

    /** {@code ?offset=N}: where to resume a command's output (absent: its start). */
    static long offset(String q) {
        long offset;
        try {
            offset = q == null ? 0 : Long.parseLong(q);
        } catch (NumberFormatException e) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "offset must be a whole number of bytes");
        }
        if (offset < 0) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "offset must not be negative");
        }
        return offset;
    }

    /** {@code ?heartbeat=S}: a client that wants to notice a dead connection sooner asks for more heartbeats. */
    static Duration heartbeat(String seconds, Duration otherwise) {
        if (seconds == null) {
            return otherwise;
        }
        try {
            long s = Long.parseLong(seconds);
            if (s >= 1 && s <= 3600) {
                return Duration.ofSeconds(s);
            }
        } catch (NumberFormatException e) {
            // the same answer as out of range
        }
        throw new ApiException(ErrorCode.INVALID_FIELD, "heartbeat must be 1 to 3600 seconds");
    }

    private void stream(Exchange x, String sessionId, String cid, RunningCommand command, long offset, Duration heartbeat)
            throws Exception {
        String accept = x.header(HttpHeader.ACCEPT);
        boolean binary = accept != null && accept.contains(FrameCodec.MEDIA_TYPE);
        x.response.getHeaders().put("X-Berth-Command-Id", cid);
        OutputStreamer streamer = binary ? new OutputStreamer.Binary(x.response, heartbeat)
                : new OutputStreamer.NdJson(x.response, heartbeat);
        streamer.stream(cid, command, offset, exit -> commands.recordExit(sessionId, cid, exit));
    }

    private void signal(Exchange x) throws Exception {
        SignalRequest r = x.body(SignalRequest.class, null);
        if (r.signal() == null) {
            throw new ApiException(ErrorCode.MISSING_FIELD, "give \"signal\": a name such as TERM or a number");
        }
        int number = Signals.parse(r.signal());
        commands.signal(x.param("id"), x.param("cid"), number);
        x.audit("signal", number);
        x.json(202, Map.of("signal", number));
    }

    /** {@code {"signal": "TERM"}} or {@code {"signal": 15}}. */
    record SignalRequest(String signal) {}
}
