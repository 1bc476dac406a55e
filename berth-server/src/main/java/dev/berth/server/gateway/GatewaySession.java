package dev.berth.server.gateway;

import java.util.Objects;

/**
 * The running session a gateway request comes from, as the gateway's services see it. The shim of
 * the session's sandbox names it on every connection (see {@link GatewayServer}); nothing the
 * sandbox sends can change it.
 *
 * @param sessionId the session
 * @param owner the user who owns the session: what the session's agent does is done on their behalf
 * @param runtime the runtime version it runs ({@code name@version}), or null for a plain session
 * @param modelKey the placeholder API key Berth put in the sandbox's environment for model SDKs;
 *     a model call must present exactly this one
 * @param ownerRole the owner's role when they made the session ({@code admin}, {@code operator},
 *     {@code user}), or null when not known
 */
public record GatewaySession(String sessionId, String owner, String runtime, String modelKey, String ownerRole) {
    /** The request attribute under which the gateway's handlers find the caller's session. */
    public static final String ATTRIBUTE = GatewaySession.class.getName();

    public GatewaySession {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(modelKey, "modelKey");
    }

    /** A session whose owner's role is not known. */
    public GatewaySession(String sessionId, String owner, String runtime, String modelKey) {
        this(sessionId, owner, runtime, modelKey, null);
    }

    /** The runtime's name without its version, or null for a plain session. */
    public String runtimeName() {
        return runtimeNameOf(runtime);
    }

    /** {@code name} of a runtime reference {@code name@version}; null for null. */
    public static String runtimeNameOf(String runtimeRef) {
        if (runtimeRef == null) {
            return null;
        }
        int at = runtimeRef.lastIndexOf('@');
        return at <= 0 ? runtimeRef : runtimeRef.substring(0, at);
    }

    /** The session of a request the gateway's front handler let through. */
    public static GatewaySession of(org.eclipse.jetty.server.Request request) {
        return (GatewaySession) Objects.requireNonNull(request.getAttribute(ATTRIBUTE), "no gateway session on request");
    }
}
