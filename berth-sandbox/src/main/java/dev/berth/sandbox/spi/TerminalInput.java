package dev.berth.sandbox.spi;

/**
 * A held-open way to type on a command's terminal, for a client that types often (each keystroke
 * then costs no new connection to the sandbox). Writes keep their order; refusals are those of
 * {@link RunningCommand#write}. Not thread-safe; close it when the client goes.
 */
public interface TerminalInput extends AutoCloseable {
    void write(byte[] input);

    @Override
    void close();
}
