package dev.berth.server.gateway;

import dev.berth.api.Json;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.ErrorResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ProxyConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The host side of every sandbox's gateway address: one HTTP/1.1 server on a unix socket that only
 * the sandboxes' shims connect to. A shim opens each relayed connection with a PROXY protocol v2
 * header whose TLV {@link #TLV_SESSION_TAG} names its session; a connection without a genuine tag
 * is refused before any service sees it. Services are mounted by path prefix ({@code /model/…},
 * {@code /mcp}); {@code CONNECT} requests and plain-HTTP proxy requests (for another host) go to the
 * egress proxy.
 */
public final class GatewayServer implements AutoCloseable {
    /** The PROXY v2 TLV type (from the range the spec leaves to applications) that carries the tag. */
    public static final int TLV_SESSION_TAG = 0xE0;

    /** A service of the gateway, answering the requests whose path starts with {@code prefix}. */
    public record Mount(String prefix, Handler handler) {
        public Mount {
            Objects.requireNonNull(handler, "handler");
            if (prefix == null || !prefix.startsWith("/")) {
                throw new IllegalArgumentException("a mount prefix starts with /: " + prefix);
            }
        }

        boolean matches(String path) {
            return path.equals(prefix) || path.startsWith(prefix.endsWith("/") ? prefix : prefix + "/");
        }
    }

    private final Server jetty;
    private final Path socket;

    /**
     * @param socket where to listen; replaced if a previous server left it behind
     * @param sessions who a connection's tag names
     * @param mounts the services, by path prefix
     * @param connect the handler of {@code CONNECT} requests (the egress proxy), or null to refuse them
     */
    public GatewayServer(Path socket, GatewaySessions sessions, List<Mount> mounts, Handler connect) {
        this.socket = socket;
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("berth-gateway");
        threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        jetty = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        UnixDomainServerConnector connector = new UnixDomainServerConnector(jetty,
                new ProxyConnectionFactory(HttpVersion.HTTP_1_1.asString()), new HttpConnectionFactory(http));
        connector.setUnixDomainPath(socket);
        connector.setIdleTimeout(30 * 60_000L); // model streams and MCP event streams may be quiet for long
        jetty.addConnector(connector);
        jetty.setHandler(new Front(sessions, List.copyOf(mounts), connect));
        jetty.setStopTimeout(2_000);
    }

    public void start() throws Exception {
        Files.createDirectories(socket.getParent());
        Files.deleteIfExists(socket); // a socket file left by a previous server refuses the bind
        jetty.start();
        Files.setPosixFilePermissions(socket, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }

    public Path socket() {
        return socket;
    }

    /** The tag a connection's shim sent, if it sent one. */
    static Optional<String> tagOf(Request request) {
        EndPoint ep = request.getConnectionMetaData().getConnection().getEndPoint();
        while (ep != null) {
            if (ep instanceof ProxyConnectionFactory.ProxyEndPoint proxied) {
                byte[] tag = proxied.getTLV(TLV_SESSION_TAG);
                return tag == null ? Optional.empty() : Optional.of(new String(tag, StandardCharsets.US_ASCII));
            }
            ep = ep instanceof EndPoint.Wrapper w ? w.unwrap() : null;
        }
        return Optional.empty();
    }

    /** Answers an error in the API's JSON shape. */
    public static void error(Response response, Callback callback, ErrorCode code, String message) {
        response.setStatus(code.httpStatus());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        try {
            response.write(true, ByteBuffer.wrap(Json.mapper().writeValueAsBytes(ErrorResponse.of(code, message))), callback);
        } catch (IOException e) {
            callback.failed(e);
        }
    }

    @Override
    public void close() throws Exception {
        jetty.stop();
        Files.deleteIfExists(socket);
    }

    /** Names the session of every request, then hands it to its service. */
    private static final class Front extends Handler.AbstractContainer {
        private final GatewaySessions sessions;
        private final List<Mount> mounts;
        private final Handler connect;
        private final List<Handler> children;

        Front(GatewaySessions sessions, List<Mount> mounts, Handler connect) {
            this.sessions = sessions;
            this.mounts = mounts;
            this.connect = connect;
            List<Handler> all = new java.util.ArrayList<>();
            mounts.forEach(m -> all.add(m.handler()));
            if (connect != null) {
                all.add(connect);
            }
            children = List.copyOf(all);
            children.forEach(this::addBean); // started and stopped with the gateway (a servlet context needs it)
        }

        @Override
        public List<Handler> getHandlers() {
            return children;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            Optional<GatewaySession> session = tagOf(request).flatMap(sessions::byTag);
            if (session.isEmpty()) {
                error(response, callback, ErrorCode.GATEWAY_UNKNOWN_SESSION,
                        "this connection does not come from a running session's sandbox");
                return true;
            }
            request.setAttribute(GatewaySession.ATTRIBUTE, session.get());
            if (HttpMethod.CONNECT.is(request.getMethod()) || !toGateway(request)) {
                if (connect != null && connect.handle(request, response, callback)) {
                    return true;
                }
                error(response, callback, ErrorCode.EGRESS_DENIED, "this session may not open tunnels");
                return true;
            }
            String path = Request.getPathInContext(request);
            for (Mount m : mounts) {
                if (m.matches(path) && m.handler().handle(request, response, callback)) {
                    return true;
                }
            }
            error(response, callback, ErrorCode.ROUTE_NOT_FOUND, "no gateway service at " + path);
            return true;
        }

        /** A request for the gateway itself, not a plain-HTTP proxy request for some other host. */
        private static boolean toGateway(Request request) {
            String host = request.getHttpURI().getHost();
            return host == null || host.equals(GatewayAddress.HOST) || host.equals("localhost");
        }
    }
}
