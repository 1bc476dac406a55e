package dev.berth.sandbox.namespaces.routed;

/** Told of every destination a routed sandbox tried and was denied (called on the poller's thread). */
@FunctionalInterface
public interface DeniedListener {
    void denied(DeniedConnection connection);
}
