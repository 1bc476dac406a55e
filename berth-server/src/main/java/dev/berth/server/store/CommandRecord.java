package dev.berth.server.store;

import dev.berth.api.model.CommandState;
import dev.berth.api.model.ExitStatus;
import java.time.Instant;
import java.util.List;

/** A command as stored; {@code exit} is null while it runs; {@code startedBy} is the user who started it. */
public record CommandRecord(
        String id,
        String sessionId,
        List<String> argv,
        String cwd,
        CommandState state,
        Instant startedAt,
        ExitStatus exit,
        long endOffset,
        boolean tty,
        String startedBy) {

    public CommandRecord {
        argv = List.copyOf(argv);
    }

    public CommandRecord finished(CommandState s, ExitStatus e, long end) {
        return new CommandRecord(id, sessionId, argv, cwd, s, startedAt, e, end, tty, startedBy);
    }
}
