package dev.berth.server.gateway;

import java.util.Optional;

/** Which running session a shim's connection tag names. */
@FunctionalInterface
public interface GatewaySessions {
    /**
     * @param tag the value of the connection's PROXY protocol TLV {@link GatewayServer#TLV_SESSION_TAG}
     * @return the session, when the tag is genuine and the session is running
     */
    Optional<GatewaySession> byTag(String tag);
}
