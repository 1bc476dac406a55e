package dev.berth.sandbox.spi;

/** A sandbox could not do what was asked; the message is fit for a user. */
public class SandboxException extends RuntimeException {
    public enum Kind { UNAVAILABLE, FAILED, COMMAND_NOT_FOUND, COMMAND_EXISTS, SPAWN_FAILED }

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
