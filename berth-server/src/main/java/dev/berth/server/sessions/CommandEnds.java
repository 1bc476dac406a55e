package dev.berth.server.sessions;

import dev.berth.sandbox.spi.CommandExit;
import dev.berth.server.store.CommandRecord;

/** Told once of each command whose end the server learns of: exited ({@code exit} given) or lost (null). */
@FunctionalInterface
public interface CommandEnds {
    void ended(CommandRecord finished, CommandExit exit);
}
