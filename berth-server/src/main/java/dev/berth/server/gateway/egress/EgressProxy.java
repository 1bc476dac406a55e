package dev.berth.server.gateway.egress;

import dev.berth.api.model.ErrorCode;
import dev.berth.server.audit.AuditEvent;
import dev.berth.server.audit.AuditSink;
import dev.berth.server.gateway.GatewayServer;
import dev.berth.server.gateway.GatewaySession;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ConnectHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;

/**
 * The gateway's HTTPS proxy (the sandbox's {@code HTTPS_PROXY}): a {@code CONNECT} tunnel opens only
 * to a host:port its session's domain rules allow, and only if the name does not resolve to an
 * address of this host or its private networks (a rule naming an address literal is taken at its
 * word). Every tunnel, opened or refused, is an audit event {@code network.connect}.
 */
public final class EgressProxy extends ConnectHandler {
    private final Function<GatewaySession, EgressRules> rules;
    private final AuditSink audit;

    /** Why a tunnel was refused after its rule matched: the name's addresses. */
    private static final class Refused extends IOException {
        Refused(String message) {
            super(message);
        }
    }

    public EgressProxy(Function<GatewaySession, EgressRules> rules, AuditSink audit) {
        this.rules = rules;
        this.audit = audit;
        setConnectTimeout(10_000);
        setIdleTimeout(30 * 60_000L);
    }

    @Override
    protected void handleConnect(Request request, Response response, Callback callback, String serverAddress) {
        GatewaySession session = GatewaySession.of(request);
        HostPort target = HostPort.parse(serverAddress);
        if (target == null) {
            GatewayServer.error(response, callback, ErrorCode.INVALID_FIELD, "CONNECT needs host:port, not " + serverAddress);
            return;
        }
        List<DomainRule> allowed = rules.apply(session).domains().stream().map(DomainRule::parse).toList();
        DomainRule match = allowed.stream().filter(r -> r.allows(target.host(), target.port())).findFirst().orElse(null);
        if (match == null) {
            refuse(request, response, callback, session, target, "no egress rule allows " + target);
            return;
        }
        request.setAttribute(DomainRule.class.getName(), match);
        super.handleConnect(request, response, callback, serverAddress);
    }

    @Override
    protected void connectToServer(Request request, String host, int port, Promise<SocketChannel> promise) {
        GatewaySession session = GatewaySession.of(request);
        DomainRule rule = (DomainRule) request.getAttribute(DomainRule.class.getName());
        HostPort target = new HostPort(host, port);
        SocketChannel channel = null;
        try {
            // resolved once and checked, then connected to that very address: no second lookup to rebind
            InetAddress address = pick(InetAddress.getAllByName(host), rule.ipLiteral(), target);
            channel = SocketChannel.open();
            channel.socket().setTcpNoDelay(true);
            channel.configureBlocking(false);
            channel.connect(new InetSocketAddress(address, port));
            record(session, target, "ok", Map.of("address", address.getHostAddress()));
            promise.succeeded(channel);
        } catch (Refused e) {
            close(channel);
            record(session, target, "denied", Map.of("reason", e.getMessage()));
            promise.failed(e);
        } catch (UnknownHostException e) {
            close(channel);
            record(session, target, "error:upstream_unavailable", Map.of("reason", "unknown host"));
            promise.failed(e);
        } catch (IOException e) {
            close(channel);
            record(session, target, "error:upstream_unavailable", Map.of("reason", String.valueOf(e.getMessage())));
            promise.failed(e);
        }
    }

    @Override
    protected void onConnectFailure(Request request, Response response, Callback callback, Throwable failure) {
        if (failure instanceof Refused r) {
            GatewayServer.error(response, callback, ErrorCode.EGRESS_DENIED, r.getMessage());
        } else {
            GatewayServer.error(response, callback, ErrorCode.UPSTREAM_UNAVAILABLE,
                    "cannot connect: " + (failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage()));
        }
    }

    /** Tunnels; any other request the gateway hands here is a plain-HTTP proxy request. */
    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (HttpMethod.CONNECT.is(request.getMethod())) {
            return super.handle(request, response, callback);
        }
        refusePlainHttp(request, response, callback);
        return true;
    }

    /** A plain-HTTP proxy request (absolute URI to another host): refused, only tunnels leave. */
    private void refusePlainHttp(Request request, Response response, Callback callback) {
        GatewaySession session = GatewaySession.of(request);
        var uri = request.getHttpURI();
        HostPort target = new HostPort(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 80);
        refuse(request, response, callback, session, target,
                "plain HTTP is not proxied; only HTTPS (CONNECT) to allowed hosts leaves the sandbox");
    }

    private InetAddress pick(InetAddress[] addresses, boolean literal, HostPort target) throws Refused {
        for (InetAddress a : addresses) {
            if (literal || !local(a)) {
                return a;
            }
        }
        String why = target.host() + " resolves to an address of this host or its private networks ("
                + addresses[0].getHostAddress() + "); name the address in the rule to allow it";
        throw new Refused(why);
    }

    /** Addresses a name must not lead to unless the rule names them: the host, its LAN, link-local. */
    private static boolean local(InetAddress a) {
        return a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
                || a.isMulticastAddress() || isUniqueLocal(a);
    }

    private static boolean isUniqueLocal(InetAddress a) {
        byte[] b = a.getAddress();
        return b.length == 16 && (b[0] & 0xfe) == 0xfc;
    }

    private void refuse(Request request, Response response, Callback callback, GatewaySession session, HostPort target,
            String why) {
        record(session, target, "denied", Map.of("reason", why));
        GatewayServer.error(response, callback, ErrorCode.EGRESS_DENIED, why);
    }

    private void record(GatewaySession session, HostPort target, String outcome, Map<String, Object> more) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("via", "proxy");
        details.put("host", target.host());
        details.put("port", target.port());
        details.putAll(more);
        audit.record(AuditEvent.draft(session.owner(), "gateway", null, session.sessionId(), "net/" + target,
                "network.connect", outcome, details));
    }

    private static void close(SocketChannel c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // nothing was sent on it
            }
        }
    }

    /** {@code host:port} of a CONNECT; IPv6 literals in brackets. */
    record HostPort(String host, int port) {
        static HostPort parse(String s) {
            int colon = s == null ? -1 : s.lastIndexOf(':');
            if (colon <= 0) {
                return null;
            }
            String host = s.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            try {
                int port = Integer.parseInt(s.substring(colon + 1));
                return port >= 1 && port <= 65535 && !host.isEmpty() ? new HostPort(host, port) : null;
            } catch (NumberFormatException e) {
                return null;
            }
        }

        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }
}
