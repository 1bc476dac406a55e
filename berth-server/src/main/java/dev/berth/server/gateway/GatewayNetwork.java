package dev.berth.server.gateway;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.SessionState;
import dev.berth.sandbox.spi.SandboxNetwork;
import dev.berth.server.gateway.egress.CidrRule;
import dev.berth.server.gateway.egress.DomainRule;
import dev.berth.server.gateway.egress.EgressRules;
import dev.berth.server.sessions.SessionNetwork;
import dev.berth.server.store.SessionRecord;
import dev.berth.server.store.Store;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Ties sessions to the gateway: every sandbox gets the gateway at its fixed address (with the
 * session's connection tag, which only its shim knows), its processes get the gateway's URLs and the
 * session's placeholder model key, and a shim's connection is traced back to its running session.
 */
public final class GatewayNetwork implements SessionNetwork, GatewaySessions {
    private final GatewayTags tags;
    private final Path socket;
    private final GatewayConfig config;
    private final Store store;
    private final Map<String, GatewaySession> up = new java.util.concurrent.ConcurrentHashMap<>();

    public GatewayNetwork(GatewayTags tags, Path socket, GatewayConfig config, Store store) {
        this.tags = tags;
        this.socket = socket;
        this.config = config;
        this.store = store;
    }

    @Override
    public SandboxNetwork sandboxNetwork(SessionRecord s) {
        return new SandboxNetwork(socket, tags.connectionTag(s.id()), CidrRule.routedNetwork(egress(s)));
    }

    @Override
    public Map<String, String> env(SessionRecord s) {
        return GatewayAddress.sandboxEnv(tags.modelKey(s.id()));
    }

    @Override
    public void check(SessionRecord s) {
        for (String d : s.egress().domains()) {
            try {
                DomainRule.parse(d);
            } catch (IllegalArgumentException e) {
                throw new ApiException(ErrorCode.INVALID_FIELD, "egress.domains: " + e.getMessage());
            }
        }
        try {
            CidrRule.parseAll(s.egress().cidrs());
        } catch (IllegalArgumentException e) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "egress." + e.getMessage());
        }
    }

    /**
     * Looked up in the store on a running session's first gateway request, then held until its sandbox
     * starts again or goes ({@link #forget}): no store read on the gateway's hot path.
     */
    @Override
    public Optional<GatewaySession> byTag(String tag) {
        Optional<String> id = tags.sessionOf(tag);
        if (id.isEmpty()) {
            return Optional.empty();
        }
        GatewaySession known = up.get(id.get());
        if (known != null) {
            return Optional.of(known);
        }
        Optional<GatewaySession> found = store.session(id.get())
                .filter(s -> s.state() == SessionState.RUNNING)
                .map(s -> new GatewaySession(s.id(), s.owner(), s.runtime(), tags.modelKey(s.id()), s.ownerRole()));
        found.ifPresent(s -> up.put(s.sessionId(), s));
        return found;
    }

    /** Drops what is held of a session whose sandbox started or went: its next request reads the store. */
    public void forget(String sessionId) {
        up.remove(sessionId);
    }

    /** Where a session may connect: what every session gets, its runtime's, and its own. */
    public EgressRules rules(GatewaySession session) {
        return store.session(session.sessionId()).map(this::egress)
                .orElseGet(() -> config.egress().forRuntime(session.runtimeName()));
    }

    /** The same for a stored session: its sandbox's routed destinations, and what it is shown. */
    @Override
    public EgressRules egress(SessionRecord s) {
        return config.egress().forRuntime(GatewaySession.runtimeNameOf(s.runtime())).plus(s.egress());
    }
}
