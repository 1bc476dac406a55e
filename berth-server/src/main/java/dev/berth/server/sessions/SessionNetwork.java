package dev.berth.server.sessions;

import dev.berth.sandbox.spi.SandboxNetwork;
import dev.berth.server.gateway.egress.EgressRules;
import dev.berth.server.store.SessionRecord;
import java.util.Map;

/** What a session's sandbox reaches beyond its own loopback, and what its processes are told about it. */
public interface SessionNetwork {
    /** Only the sandbox's own loopback, and nothing in the environment about it. */
    SessionNetwork NONE = new SessionNetwork() {
        @Override
        public SandboxNetwork sandboxNetwork(SessionRecord s) {
            return SandboxNetwork.none();
        }

        @Override
        public Map<String, String> env(SessionRecord s) {
            return Map.of();
        }

        @Override
        public void check(SessionRecord s) {}

        @Override
        public EgressRules egress(SessionRecord s) {
            return s.egress();
        }
    };

    SandboxNetwork sandboxNetwork(SessionRecord s);

    /** Variables every process of the session gets (the gateway's address, placeholder keys). */
    Map<String, String> env(SessionRecord s);

    /**
     * Refuses a new session whose own egress rules are malformed.
     *
     * @throws dev.berth.api.model.ApiException {@code invalid_field}, naming the rule
     */
    void check(SessionRecord s);

    /** Everything the session's sandbox may reach: what every session, its runtime and it itself are granted. */
    EgressRules egress(SessionRecord s);
}
