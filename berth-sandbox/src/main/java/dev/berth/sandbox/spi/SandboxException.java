package dev.berth.sandbox.spi;

/** A sandbox could not do what was asked; the message is fit for a user. */
public class SandboxException extends RuntimeException {
    public enum Kind {
        UNAVAILABLE, FAILED, COMMAND_NOT_FOUND, COMMAND_EXISTS, SPAWN_FAILED,
        /** the command has no terminal to type on or resize */
        NO_TERMINAL,
        /** the command has finished */
        COMMAND_FINISHED,
        /** the sandbox will not take more now (e.g. a terminal's unread input): try again later */
        BUSY
    }

    private final Kind kind;

    public SandboxException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public SandboxException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
