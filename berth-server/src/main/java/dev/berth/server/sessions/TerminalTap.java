package dev.berth.server.sessions;

import dev.berth.sandbox.spi.RunningCommand;
import dev.berth.sandbox.spi.TerminalSize;
import dev.berth.server.store.CommandRecord;

/** Sees what happens on every terminal: its start, what is typed on it, its resizes (the audit records ttys). */
public interface TerminalTap {
    void started(CommandRecord tty, RunningCommand command, TerminalSize size);

    void typed(String sessionId, String commandId, byte[] input);

    void resized(String sessionId, String commandId, TerminalSize size);

    TerminalTap NONE = new TerminalTap() {
        @Override
        public void started(CommandRecord tty, RunningCommand command, TerminalSize size) {}

        @Override
        public void typed(String sessionId, String commandId, byte[] input) {}

        @Override
        public void resized(String sessionId, String commandId, TerminalSize size) {}
    };
}
