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

    CommandStates(Store store, SandboxDriver driver, SessionDirs dirs, Activity activity) {
        this.store = store;
        this.driver = driver;
        this.dirs = dirs;
        this.activity = activity;
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
                CommandRecord done = c.finished(CommandState.EXITED, toStatus(exit.get()), exit.get().endOffset());
                store.updateCommand(done);
                // the session was busy until the command ended: idle time counts from there
                activity.touch(s.id(), c.startedAt().plusMillis(exit.get().durationMs()));
                return done;
            }
            if (!sandboxUp) {
                CommandRecord lost = c.finished(CommandState.LOST, null, rc.endOffset());
                store.updateCommand(lost);
                return lost;
            }
            return c;
        } catch (SandboxException e) {
            CommandRecord lost = c.finished(CommandState.LOST, null, c.endOffset());
            store.updateCommand(lost);
            return lost;
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
