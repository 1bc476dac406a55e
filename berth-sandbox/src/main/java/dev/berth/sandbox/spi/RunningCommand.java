package dev.berth.sandbox.spi;

import java.util.Optional;

/** A command in a sandbox, running or finished; its output is re-readable from any retained offset. */
public interface RunningCommand {

    String id();

    /** The exit record, once the command finished. */
    Optional<CommandExit> exit();

    /** Opens a reader of the output from {@code offset}, following it until the command finishes. */
    OutputCursor follow(long offset);

    /** The first offset still retained (earlier output was trimmed). */
    long firstRetainedOffset();

    /** Output bytes produced so far. */
    long endOffset();

    /** Sends a signal to the command's process group; no-op once it finished. */
    void signal(int signal);

    /**
     * Types {@code input} on the command's terminal, after what was typed before. Refused (a
     * {@link SandboxException}) for a command without a terminal, one that finished, or one that
     * has not read the last MiB it was sent.
     */
    void write(byte[] input);

    /** Input for a client that types often; by default each write is a {@link #write}. */
    default TerminalInput openInput() {
        return new TerminalInput() {
            @Override
            public void write(byte[] input) {
                RunningCommand.this.write(input);
            }

            @Override
            public void close() {}
        };
    }

    /** Gives the command's terminal a new size; its foreground job gets SIGWINCH. */
    void resize(TerminalSize size);
}
