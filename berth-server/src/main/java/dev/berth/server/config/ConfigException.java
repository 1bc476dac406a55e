package dev.berth.server.config;

/** A setting the server cannot start with; the message is one line for the operator, naming the option. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
