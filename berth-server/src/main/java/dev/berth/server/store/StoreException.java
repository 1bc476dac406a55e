package dev.berth.server.store;

/** The store failed; the server answers {@code internal_error} and logs the cause. */
public class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
