package dev.berth.server.sessions;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.CommandInfo;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.CommandState;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.ExitStatus;
import dev.berth.api.model.SessionState;
import dev.berth.api.model.Tty;
import dev.berth.sandbox.spi.CommandExit;
import dev.berth.sandbox.spi.CommandSpec;
import dev.berth.sandbox.spi.RunningCommand;
import dev.berth.sandbox.spi.Sandbox;
import dev.berth.sandbox.spi.SandboxDriver;
import dev.berth.sandbox.spi.SandboxException;
import dev.berth.sandbox.spi.SandboxSpec;
import dev.berth.sandbox.spi.TerminalSize;
import dev.berth.server.audit.AuditEvent;
import dev.berth.server.audit.AuditSink;
import dev.berth.server.config.ServerConfig;
import dev.berth.server.store.CommandRecord;
import dev.berth.server.store.SessionRecord;
import dev.berth.server.store.Store;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The commands run in sessions: start (resuming a stopped session), inspect, read output, signal. */
public final class CommandService {
    private final ServerConfig config;
    private final Store store;
    private final SandboxDriver driver;
    private final SessionService sessions;
    private final Clock clock;

    private volatile TerminalTap tap = TerminalTap.NONE;
    private volatile AuditSink audit = AuditSink.NONE;

    public CommandService(ServerConfig config, Store store, SandboxDriver driver, SessionService sessions, Clock clock) {
        this.config = config;
        this.store = store;
        this.driver = driver;
        this.sessions = sessions;
        this.clock = clock;
    }

    /** Starts a command, resuming the session first if it is stopped. */
    public StartedCommand start(String sessionId, CommandRequest request, String user) {
        return start(sessionId, request, SessionIds.newCommandId(), user);
    }

    /**
     * Starts a runtime session's agent process as command {@code agent-N-…}; called as its sandbox
     * comes up, so under the session's lock. It keeps all of its output (an agent's log is read
     * back from the start).
     */
    public StartedCommand startAgent(String sessionId, int n, List<String> argv, String cwd) {
        StartedCommand started = start(sessionId, new CommandRequest(null, argv, null, cwd, null, null, null, true),
                SessionIds.newAgentId(n), "system");
        audit.record(AuditEvent.draft("system", "system", null, sessionId, "command/" + started.record().id(),
                "agent.start", "ok", Map.of("argv", started.record().argv(), "cwd", started.record().cwd())));
        return started;
    }

    /** Where the server's own commands (agents) are recorded; API calls are recorded by the API. */
    public void audit(AuditSink sink) {
        audit = sink;
    }

    /** The agent commands a session has had, oldest first. */
    public List<CommandRecord> agentCommands(String sessionId) {
        return store.commands(sessionId).stream().filter(c -> SessionIds.isAgent(c.id())).toList();
    }

    private StartedCommand start(String sessionId, CommandRequest request, String cid, String user) {
        List<String> argv = CommandCheck.argv(request);
        String cwd = request.cwd() == null ? SandboxSpec.WORKSPACE_MOUNT : request.cwd();
        if (!cwd.startsWith("/")) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "cwd must be an absolute path inside the sandbox: " + cwd);
        }
        byte[] stdin = CommandCheck.stdin(request);
        Duration timeout = CommandCheck.timeout(request);
        TerminalSize terminal = CommandCheck.terminal(request.tty());
        Map<String, String> extraEnv = request.env() == null ? Map.of() : request.env();
        EnvCheck.validate(extraEnv);
        return sessions.lifecycle().withLock(sessionId, () -> {
            SessionRecord s = sessions.live(sessionId);
            Sandbox sandbox = sessions.resumed(s);
            Instant now = clock.instant();
            CommandRecord record = new CommandRecord(cid, sessionId, argv, cwd, CommandState.RUNNING, now, null, 0,
                    terminal != null, user);
            store.insertCommand(record);
            sessions.touch(sessionId);
            try {
                RunningCommand rc = sandbox.spawn(new CommandSpec(cid, argv, EnvCheck.commandEnv(s, sessions.networkEnv(s), extraEnv), cwd, stdin,
                        timeout, config.outputRetainBytes(), terminal));
                if (terminal != null) {
                    tap.started(record, rc, terminal);
                }
                return new StartedCommand(record, rc);
            } catch (SandboxException e) {
                sessions.commandStates().finish(record.finished(CommandState.LOST, null, 0), null);
                throw e;
            }
        });
    }

    /** A command record, refreshed from the sandbox if it was still running. */
    public CommandInfo get(String sessionId, String commandId) {
        SessionRecord s = sessions.record(sessionId);
        CommandRecord c = store.command(sessionId, commandId).orElseThrow(() -> notFound(sessionId, commandId));
        return info(s, refresh(s, c));
    }

    public List<CommandInfo> list(String sessionId) {
        SessionRecord s = sessions.record(sessionId);
        return store.commands(sessionId).stream().map(c -> info(s, refresh(s, c))).toList();
    }

    /** The live or finished command, for reading its output; reading is activity in the session. */
    public RunningCommand output(String sessionId, String commandId) {
        SessionRecord s = sessions.live(sessionId);
        store.command(sessionId, commandId).orElseThrow(() -> notFound(sessionId, commandId));
        sessions.touch(sessionId);
        try {
            return driver.command(sessions.spec(s), commandId);
        } catch (SandboxException e) {
            throw new ApiException(ErrorCode.COMMAND_NOT_FOUND, "the output of command " + commandId + " is gone");
        }
    }

    /**
     * A command's output for reading without it counting as activity in the session (an auditor
     * following a session's log must not keep it from its idle stop).
     */
    public RunningCommand peek(String sessionId, String commandId) {
        SessionRecord s = sessions.record(sessionId);
        try {
            return driver.command(sessions.spec(s), commandId);
        } catch (SandboxException e) {
            throw new ApiException(ErrorCode.COMMAND_NOT_FOUND, "the output of command " + commandId + " is gone");
        }
    }

    /** Records how a streamed command ended (the streaming handler saw it first). */
    public void recordExit(String sessionId, String commandId, CommandExit exit) {
        store.command(sessionId, commandId).ifPresent(c -> {
            if (c.state() == CommandState.RUNNING) {
                sessions.commandStates().finish(c.finished(CommandState.EXITED, toStatus(exit), exit.endOffset()), exit);
            }
        });
        sessions.touch(sessionId);
        sessions.deadlinesChanged(sessionId); // the idle countdown starts now
    }

    public void signal(String sessionId, String commandId, int signal) {
        output(sessionId, commandId).signal(signal);
    }

    /** Types on a command's terminal (typing is activity in the session). */
    public void input(String sessionId, String commandId, byte[] bytes) {
        output(sessionId, commandId).write(bytes);
        tap.typed(sessionId, commandId, bytes);
    }

    public void resize(String sessionId, String commandId, Tty size) {
        TerminalSize t = terminalSize(size);
        output(sessionId, commandId).resize(t);
        tap.resized(sessionId, commandId, t);
    }

    /** Every terminal whose output is still kept, with its record (to resume recordings after a restart). */
    public void forEachTerminal(java.util.function.BiConsumer<CommandRecord, RunningCommand> each) {
        for (SessionRecord s : store.sessions()) {
            if (s.state() == SessionState.EXPIRED) {
                continue;
            }
            for (CommandRecord c : store.commands(s.id())) {
                if (c.tty()) {
                    try {
                        each.accept(c, driver.command(sessions.spec(s), c.id()));
                    } catch (SandboxException | UncheckedIOException e) {
                        // its output went with its sandbox: nothing left to record
                    }
                }
            }
        }
    }

    /** Watches every terminal from now on (one tap: the tty recorder). */
    public void tap(TerminalTap t) {
        tap = t;
    }

    /** What a terminal's socket reports typing and resizes to. */
    public TerminalTap tap() {
        return tap;
    }

    /** A size a client asked for, checked (1 to 65535 rows and columns) or refused with an API error. */
    public static TerminalSize terminalSize(Tty size) {
        return CommandCheck.terminal(size == null ? new Tty(null, null) : size);
    }

    /**
     * The command, live or finished, for a client to attach to its terminal; refused
     * ({@code no_terminal}) for a command that runs on pipes.
     */
    public RunningCommand terminal(String sessionId, String commandId) {
        sessions.live(sessionId); // a missing session is reported as such, as by every other session call
        CommandRecord c = store.command(sessionId, commandId).orElseThrow(() -> notFound(sessionId, commandId));
        if (!c.tty()) {
            throw new ApiException(ErrorCode.NO_TERMINAL, "command " + commandId + " has no terminal (it runs on pipes)");
        }
        return output(sessionId, commandId);
    }

    /** Typing on an attached terminal is activity in the session, as any call is. */
    public void touched(String sessionId) {
        sessions.touch(sessionId);
    }

    /** The API's stable code for a sandbox's refusal: one mapping for HTTP answers and terminal sockets. */
    public static ErrorCode errorCode(SandboxException e) {
        return switch (e.kind()) {
            case UNAVAILABLE -> ErrorCode.SANDBOX_UNAVAILABLE;
            case COMMAND_NOT_FOUND -> ErrorCode.COMMAND_NOT_FOUND;
            case NO_TERMINAL -> ErrorCode.NO_TERMINAL;
            case COMMAND_FINISHED -> ErrorCode.COMMAND_FINISHED;
            case BUSY -> ErrorCode.INPUT_BACKLOG;
            default -> ErrorCode.SANDBOX_FAILED;
        };
    }

    public static ExitStatus toStatus(CommandExit e) {
        return CommandStates.toStatus(e);
    }

    private CommandRecord refresh(SessionRecord s, CommandRecord c) {
        boolean up = s.state() == SessionState.RUNNING && sessions.lifecycle().isUp(s.id());
        return sessions.commandStates().refresh(s, c, up);
    }

    private CommandInfo info(SessionRecord s, CommandRecord c) {
        long first = 0;
        long end = c.endOffset();
        if (s.state() == SessionState.EXPIRED) {
            first = end; // reclaimed with the workspace
        } else {
            try {
                RunningCommand rc = driver.command(sessions.spec(s), c.id());
                end = rc.endOffset();
                first = rc.firstRetainedOffset();
            } catch (SandboxException | UncheckedIOException e) {
                first = end; // output gone
            }
        }
        return new CommandInfo(c.id(), c.sessionId(), c.argv(), c.cwd(), c.state(), c.startedAt(), c.exit(), first, end,
                c.tty());
    }

    private static ApiException notFound(String sessionId, String commandId) {
        return new ApiException(ErrorCode.COMMAND_NOT_FOUND, "no command " + commandId + " in session " + sessionId);
    }

    /** A command that was just started, with its live handle. */
    public record StartedCommand(CommandRecord record, RunningCommand command) {}
}
