package dev.berth.server.audit;

/** Where the server's parts hand their audit events; {@link #record} must not block on disk. */
@FunctionalInterface
public interface AuditSink {
    /** Accepts a draft (see {@link AuditEvent#draft}); the log numbers, stamps, redacts and chains it. */
    void record(AuditEvent draft);

    AuditSink NONE = e -> {};
}
