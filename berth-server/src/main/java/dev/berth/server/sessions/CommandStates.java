package dev.berth.server.sessions;

import dev.berth.api.model.CommandState;
import dev.berth.api.model.ExitStatus;
import dev.berth.sandbox.spi.CommandExit;
import dev.berth.sandbox.spi.RunningCommand;
import dev.berth.sandbox.spi.SandboxDriver;
import dev.berth.sandbox.spi.SandboxException;
import dev.berth.server.store.CommandRecord;
import dev.berth.server.store.SessionRecord;
import dev.berth.server.store.Store;
import java.util.List;
import java.util.Optional;

/**
 * Brings stored command records up to date with the sandbox: a command the store still calls
 * running may have exited (recorded with its status) or been lost with its sandbox.
 */
final class CommandStates {
    private final Store store;
    private final SandboxDriver driver;
    private final SessionDirs dirs;
    private final Activity activity;
    private volatile CommandEnds ends = (c, exit) -> {};

    CommandStates(Store store, SandboxDriver driver, SessionDirs dirs, Activity activity) {
        this.store = store;
        this.driver = driver;
        this.dirs = dirs;
        this.activity = activity;
    }

    void onEnd(CommandEnds listener) {
        ends = listener;
    }

    /** Stores a running command's end and tells the listener; what {@code finished} replaced must have been running. */
    CommandRecord finish(CommandRecord finished, CommandExit exit) {
        if (store.finishCommand(finished)) { // once, however many noticed the end at the same time
            ends.ended(finished, exit);
        }
        return finished;
    }

    /**
     * The record as it is now.
     *
     * @param sandboxUp whether the session's sandbox runs: if not, a command without an exit is lost
     */
    CommandRecord refresh(SessionRecord s, CommandRecord c, boolean sandboxUp) {
        if (c.state() != CommandState.RUNNING) {
            return c;
        }
        try {
            RunningCommand rc = driver.command(dirs.spec(s), c.id());
            Optional<CommandExit> exit = rc.exit();
            if (exit.isPresent()) {
                CommandRecord done = finish(c.finished(CommandState.EXITED, toStatus(exit.get()), exit.get().endOffset()),
                        exit.get());
                // the session was busy until the command ended: idle time counts from there
                activity.touch(s.id(), c.startedAt().plusMillis(exit.get().durationMs()));
                return done;
            }
            if (!sandboxUp) {
                return finish(c.finished(CommandState.LOST, null, rc.endOffset()), null);
            }
            return c;
        } catch (SandboxException e) {
            return finish(c.finished(CommandState.LOST, null, c.endOffset()), null);
        }
    }

    /** The commands of the session that still run, after refreshing those the store calls running. */
    List<CommandRecord> running(SessionRecord s, boolean sandboxUp) {
        return store.runningCommands(s.id()).stream()
                .map(c -> refresh(s, c, sandboxUp))
                .filter(c -> c.state() == CommandState.RUNNING)
                .toList();
    }

    static ExitStatus toStatus(CommandExit e) {
        return new ExitStatus(e.signal() != 0 ? null : e.code(), e.signal() != 0 ? e.signal() : null, e.timedOut(),
                e.durationMs());
    }
}
