package dev.berth.server.http;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import dev.berth.sandbox.spi.RunningCommand;
import dev.berth.server.audit.AuditEvent;
import dev.berth.server.audit.AuditSink;
import dev.berth.server.identity.Access;
import dev.berth.server.identity.Principal;
import dev.berth.server.sessions.CommandService;
import dev.berth.server.terminal.InputLedger;
import dev.berth.server.terminal.TerminalSocket;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.eclipse.jetty.websocket.server.ServerWebSocketContainer;

/**
 * {@code GET /v1/sessions/{id}/commands/{cid}/tty}: a command's terminal over one WebSocket, for
 * interactive clients (output pushed with offsets, input acknowledged, resize and signals). The
 * call is checked as any other before the upgrade, so a refusal is the usual JSON error.
 */
public final class TerminalRoutes {
    private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final CommandService commands;
    private final ServerWebSocketContainer container;
    private final Duration heartbeat;
    private final InputLedger ledger = new InputLedger();
    /** One thread sends every socket's pings. */
    private final java.util.concurrent.ScheduledExecutorService pings = java.util.concurrent.Executors
            .newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("tty-pings").factory());

    private final AuditSink audit;

    public TerminalRoutes(CommandService commands, ServerWebSocketContainer container, Duration heartbeat, AuditSink audit) {
        this.commands = commands;
        this.audit = audit;
        this.container = container;
        this.heartbeat = heartbeat;
        // a client pings every few seconds and answers the server's pings: this long without a frame, it is gone
        container.setIdleTimeout(heartbeat.multipliedBy(3).compareTo(Duration.ofSeconds(30)) > 0
                ? heartbeat.multipliedBy(3) : Duration.ofSeconds(30));
        container.setMaxBinaryMessageSize(1 << 20);
        container.setMaxTextMessageSize(64 << 10);
    }

    public List<Route> routes() {
        return List.of(Route.of("GET", "/v1/sessions/{id}/commands/{cid}/tty", Access.SESSION, this::attach)
                .audited("tty.attach"));
    }

    private void attach(Exchange x) {
        String sessionId = x.param("id");
        String cid = x.param("cid");
        String client = x.query("client");
        if (client == null || !CLIENT_ID.matcher(client).matches()) {
            throw new ApiException(ErrorCode.INVALID_FIELD,
                    "give ?client=ID (1 to 64 of A-Z a-z 0-9 _ -), the same on every reconnect of one client");
        }
        long offset = CommandRoutes.offset(x.query("offset"));
        Duration beat = CommandRoutes.heartbeat(x.query("heartbeat"), heartbeat);
        RunningCommand command = commands.terminal(sessionId, cid);
        // an offset past the end would wait for bytes the client already has, or never comes
        long from = Math.min(offset, command.endOffset());
        x.auditTarget(sessionId, "tty/" + cid).audit("client", client).audit("offset", from);
        Principal p = x.principal();
        String source = x.source();
        Runnable detached = () -> audit.record(AuditEvent.draft(p.user(), p.authMethod(), source, sessionId, "tty/" + cid,
                "tty.detach", "ok", java.util.Map.of("client", client)));
        var terminal = new TerminalSocket.Terminal(sessionId, cid, command, commands, ledger, Signals::parse, pings, detached);
        x.upgrade(container, (request, response, callback) -> new TerminalSocket(terminal, client, from, beat));
    }
}
