package dev.berth.server.gateway.mcp;

import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * An upstream client's transport that learns the JSON-RPC id of each {@code tools/call} it sends,
 * so that the call can be cancelled: the SDK's client (2.1.0) sends no
 * {@code notifications/cancelled} of its own and does not expose its request ids. A call carries a
 * {@link Call} in its Reactor context; the SDK's client session passes that context on to
 * {@link #sendMessage}, where the request's id is written into it.
 */
final class CallTracking implements McpClientTransport {
    /** One upstream {@code tools/call} in flight: its request id once sent. */
    static final class Call {
        private volatile Object requestId;
        private volatile boolean cancelled;

        Object requestId() {
            return requestId;
        }
    }

    private final McpClientTransport delegate;

    CallTracking(McpClientTransport delegate) {
        this.delegate = delegate;
    }

    McpClientTransport delegate() {
        return delegate;
    }

    @Override
    public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
        if (message instanceof McpSchema.JSONRPCRequest request && McpSchema.METHOD_TOOLS_CALL.equals(request.method())) {
            return Mono.deferContextual(ctx -> {
                Call call = ctx.getOrDefault(Call.class, null);
                if (call != null) {
                    call.requestId = request.id();
                    if (call.cancelled) { // cancelled before it was sent: do not start it
                        return Mono.empty();
                    }
                }
                return delegate.sendMessage(message);
            });
        }
        return delegate.sendMessage(message);
    }

    /** Tells the upstream server to stop {@code call} (once; a call not yet sent is never sent). */
    void cancel(Call call, String reason) {
        if (call.cancelled) {
            return;
        }
        call.cancelled = true;
        Object id = call.requestId;
        if (id == null) {
            return;
        }
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("requestId", id);
        params.put("reason", reason);
        delegate.sendMessage(new McpSchema.JSONRPCNotification(McpSchema.JSONRPC_VERSION, "notifications/cancelled", params))
                .onErrorComplete()
                .subscribe();
    }

    @Override
    public Mono<Void> connect(Function<Mono<McpSchema.JSONRPCMessage>, Mono<McpSchema.JSONRPCMessage>> handler) {
        return delegate.connect(handler);
    }

    @Override
    public void setExceptionHandler(Consumer<Throwable> handler) {
        delegate.setExceptionHandler(handler);
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
    public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
        return delegate.unmarshalFrom(data, typeRef);
    }

    @Override
    public List<String> protocolVersions() {
        return delegate.protocolVersions();
    }
}
