package dev.berth.api.model;

import java.time.Instant;
import java.util.List;

/**
 * A command as the API reports it.
 *
 * @param firstOffset the oldest output offset still retained (bytes before it were trimmed)
 * @param endOffset the number of output bytes produced so far (stdout and stderr together)
 * @param tty whether it runs on a terminal (one output stream; takes input and resizes)
 */
public record CommandInfo(
        String id,
        String sessionId,
        List<String> argv,
        String cwd,
        CommandState state,
        Instant startedAt,
        ExitStatus exit,
        long firstOffset,
        long endOffset,
        boolean tty) {}
