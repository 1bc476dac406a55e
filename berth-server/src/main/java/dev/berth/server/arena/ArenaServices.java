package dev.berth.server.arena;

import dev.berth.server.audit.AuditSink;
import dev.berth.server.gateway.model.ModelUsage;
import dev.berth.server.harness.CommandRunner;
import dev.berth.server.harness.TurnRunner;
import dev.berth.server.sessions.SessionService;

/** What every agent of every arena works with. */
record ArenaServices(SessionService sessions, CommandRunner commands, TurnRunner turns, WorkspaceDiff diff,
        ModelUsage usage, AuditSink audit) {
    private static final System.Logger LOG = System.getLogger(ArenaServices.class.getName());

    /** An agent's sandbox goes when it is done (its workspace stays, for inspection and export). */
    void stopQuietly(String session) {
        try {
            sessions.stop(session);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "arena agent session {0} not stopped: {1}", session, e.getMessage());
        }
    }
}
