package dev.berth.server.sessions;

import dev.berth.api.model.AgentInfo;
import dev.berth.server.store.SessionRecord;

/**
 * What else runs with a session's sandbox (a runtime's agent): told of the sandbox's ups and downs,
 * under the session's lock.
 */
public interface SessionWatcher {
    SessionWatcher NONE = new SessionWatcher() {};

    /** The sandbox was started (the session created or resumed). */
    default void started(SessionRecord s) {}

    /** The sandbox was found running after a server restart. */
    default void adopted(SessionRecord s) {}

    /** The sandbox is gone (stopped, expired, removed). */
    default void down(String id) {}

    /** How the session's agent is doing; null if it has none. */
    default AgentInfo agent(SessionRecord s) {
        return null;
    }

    /** Whether the session is busy although no command of its own runs (its agent says so). */
    default boolean busy(String id) {
        return false;
    }

    /**
     * This watcher, with {@code other} told of the sandbox's ups and downs as well (after this one);
     * the agent and busy questions stay this watcher's.
     */
    default SessionWatcher also(SessionWatcher other) {
        SessionWatcher self = this;
        return new SessionWatcher() {
            @Override
            public void started(SessionRecord s) {
                try {
                    self.started(s);
                } finally {
                    other.started(s);
                }
            }

            @Override
            public void adopted(SessionRecord s) {
                try {
                    self.adopted(s);
                } finally {
                    other.adopted(s);
                }
            }

            @Override
            public void down(String id) {
                try {
                    self.down(id);
                } finally {
                    other.down(id);
                }
            }

            @Override
            public AgentInfo agent(SessionRecord s) {
                return self.agent(s);
            }

            @Override
            public boolean busy(String id) {
                return self.busy(id);
            }
        };
    }
}
