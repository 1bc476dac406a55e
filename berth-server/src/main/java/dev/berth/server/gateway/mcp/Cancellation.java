package dev.berth.server.gateway.mcp;

import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpStreamableServerSession;
import io.modelcontextprotocol.spec.McpStreamableServerTransport;
import io.modelcontextprotocol.spec.McpStreamableServerTransportProvider;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * What the SDK's server (2.1.0) lacks: {@code notifications/cancelled} from the client, which it
 * drops. A transport provider around the SDK's own that wraps each session the SDK makes, so that
 * a cancellation reaches {@code onCancel} (with the MCP session's id and the request's id); every
 * other message goes to the SDK's session unchanged.
 */
final class Cancellation implements McpStreamableServerTransportProvider {
    static final String METHOD_CANCELLED = "notifications/cancelled";
    private final McpStreamableServerTransportProvider delegate;
    private final BiConsumer<String, Object> onCancel;

    /** @param onCancel told the MCP session id and the request id of each cancellation */
    Cancellation(McpStreamableServerTransportProvider delegate, BiConsumer<String, Object> onCancel) {
        this.delegate = delegate;
        this.onCancel = onCancel;
    }

    @Override
    public void setSessionFactory(McpStreamableServerSession.Factory factory) {
        delegate.setSessionFactory(request -> {
            McpStreamableServerSession.McpStreamableServerSessionInit init = factory.startSession(request);
            return new McpStreamableServerSession.McpStreamableServerSessionInit(new Session(init.session()),
                    init.initResult());
        });
    }

    @Override
    public Mono<Void> notifyClients(String method, Object params) {
        return delegate.notifyClients(method, params);
    }

    @Override
    public Mono<Void> notifyClient(String sessionId, String method, Object params) {
        return delegate.notifyClient(sessionId, method, params);
    }

    @Override
    public Mono<Void> closeGracefully() {
        return delegate.closeGracefully();
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public List<String> protocolVersions() {
        return delegate.protocolVersions();
    }

    /**
     * The SDK's session, seen through a subclass that forwards every call to it (the SDK offers no
     * other way in), but for cancellations.
     */
    private final class Session extends McpStreamableServerSession {
        private final McpStreamableServerSession inner;

        Session(McpStreamableServerSession inner) {
            super(inner.getId(), null, null, Duration.ZERO, Map.of(), Map.of());
            this.inner = inner;
        }

        @Override
        public Mono<Void> accept(McpSchema.JSONRPCNotification notification) {
            if (METHOD_CANCELLED.equals(notification.method())) {
                return Mono.fromRunnable(() -> {
                    if (notification.params() instanceof Map<?, ?> params && params.get("requestId") != null) {
                        onCancel.accept(getId(), params.get("requestId"));
                    }
                });
            }
            return inner.accept(notification);
        }

        @Override
        public void setMinLoggingLevel(McpSchema.LoggingLevel level) {
            inner.setMinLoggingLevel(level);
        }

        @Override
        public boolean isNotificationForLevelAllowed(McpSchema.LoggingLevel level) {
            return inner.isNotificationForLevelAllowed(level);
        }

        @Override
        public <T> Mono<T> sendRequest(String method, Object params, TypeRef<T> typeRef) {
            return inner.sendRequest(method, params, typeRef);
        }

        @Override
        public Mono<Void> sendNotification(String method, Object params) {
            return inner.sendNotification(method, params);
        }

        @Override
        public Mono<Void> delete() {
            return inner.delete();
        }

        @Override
        public boolean hasListeningStream() {
            return inner.hasListeningStream();
        }

        @Override
        public boolean hasOpenStream() {
            return inner.hasOpenStream();
        }

        @Override
        public McpStreamableServerSessionStream listeningStream(McpStreamableServerTransport transport) {
            return inner.listeningStream(transport);
        }

        @Override
        public void releaseListeningStream() {
            inner.releaseListeningStream();
        }

        @Override
        public Flux<McpSchema.JSONRPCMessage> replay(Object lastEventId) {
            return inner.replay(lastEventId);
        }

        @Override
        public McpStreamableServerSessionStream responseStream(McpStreamableServerTransport transport) {
            return inner.responseStream(transport);
        }

        @Override
        public Mono<Void> accept(McpSchema.JSONRPCResponse response) {
            return inner.accept(response);
        }

        @Override
        public Mono<Void> closeGracefully() {
            return inner.closeGracefully();
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
