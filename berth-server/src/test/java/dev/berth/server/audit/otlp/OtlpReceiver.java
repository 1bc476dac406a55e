package dev.berth.server.audit.otlp;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.logs.v1.LogRecord;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A real OTLP/HTTP logs receiver on 127.0.0.1 for tests: it parses every POST to {@code /v1/logs},
 * remembers it, and answers as told. {@link #stop} closes the port (clients get "connection
 * refused"); {@link #start} opens it again on the same port.
 */
public final class OtlpReceiver implements AutoCloseable {
    static final String PATH = "/v1/logs";

    /** One request as it arrived, with the status it was answered with. */
    record Received(ExportLogsServiceRequest request, Map<String, String> headers, int status, long atNanos) {
        List<LogRecord> records() {
            return request.getResourceLogsList().stream()
                    .flatMap(r -> r.getScopeLogsList().stream())
                    .flatMap(s -> s.getLogRecordsList().stream())
                    .toList();
        }

        List<Long> seqs() {
            return records().stream().map(Received::seq).toList();
        }

        boolean accepted() {
            return status / 100 == 2;
        }

        static long seq(LogRecord r) {
            return r.getAttributesList().stream().filter(a -> a.getKey().equals("berth.seq")).findFirst()
                    .orElseThrow().getValue().getIntValue();
        }
    }

    /** What the receiver answers. */
    record Reply(int status, Map<String, String> headers, String contentType, byte[] body) {
        static Reply ok() {
            return protobuf(200, ExportLogsServiceResponse.getDefaultInstance().toByteArray());
        }

        static Reply partial(long rejected, String message) {
            return protobuf(200, ExportLogsServiceResponse.newBuilder()
                    .setPartialSuccess(ExportLogsPartialSuccess.newBuilder()
                            .setRejectedLogRecords(rejected).setErrorMessage(message))
                    .build().toByteArray());
        }

        static Reply status(int status) {
            return new Reply(status, Map.of(), "text/plain", new byte[0]);
        }

        static Reply protobuf(int status, byte[] body) {
            return new Reply(status, Map.of(), OtlpHttp.PROTOBUF, body);
        }

        Reply retryAfter(String value) {
            return new Reply(status, Map.of("Retry-After", value), contentType, body);
        }
    }

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile Function<ExportLogsServiceRequest, Reply> responder = r -> Reply.ok();
    private volatile CountDownLatch stalled = new CountDownLatch(0);
    private Server server;
    private int port;

    public OtlpReceiver start() throws Exception {
        Server s = new Server(new QueuedThreadPool(16, 2));
        ServerConnector connector = new ServerConnector(s, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(port); // 0 the first time, then the same port again
        s.addConnector(connector);
        s.setHandler(new LogsHandler());
        s.start();
        port = connector.getLocalPort();
        server = s;
        return this;
    }

    /** Closes the port: until {@link #start}, connections are refused. */
    public void stop() throws Exception {
        stalled.countDown();
        if (server != null) {
            server.stop();
            server = null;
        }
    }

    void respondWith(Function<ExportLogsServiceRequest, Reply> replies) {
        responder = replies;
        stalled.countDown();
    }

    /** Holds every request without answering until the next {@link #respondWith} or {@link #stop}, then 503. */
    void stall() {
        CountDownLatch latch = new CountDownLatch(1);
        stalled = latch;
        responder = r -> {
            try {
                latch.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Reply.status(503);
        };
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port + PATH);
    }

    List<Received> requests() {
        return List.copyOf(received);
    }

    /** The seqs of all records in requests answered 2xx, in arrival order. */
    public List<Long> deliveredSeqs() {
        return received.stream().filter(Received::accepted).flatMap(r -> r.seqs().stream()).toList();
    }

    List<LogRecord> delivered() {
        return received.stream().filter(Received::accepted).flatMap(r -> r.records().stream()).toList();
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (Exception e) {
            throw new IllegalStateException("the test receiver did not stop", e);
        }
    }

    private final class LogsHandler extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            if (!"POST".equals(request.getMethod()) || !PATH.equals(Request.getPathInContext(request))) {
                Response.writeError(request, response, callback, 404);
                return true;
            }
            ExportLogsServiceRequest parsed;
            try (InputStream in = Content.Source.asInputStream(request)) {
                parsed = ExportLogsServiceRequest.parseFrom(in.readAllBytes());
            }
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            request.getHeaders().forEach(f -> headers.put(f.getName(), f.getValue()));
            Reply reply = responder.apply(parsed);
            received.add(new Received(parsed, headers, reply.status(), System.nanoTime()));
            response.setStatus(reply.status());
            reply.headers().forEach((k, v) -> response.getHeaders().put(k, v));
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, reply.contentType());
            response.write(true, ByteBuffer.wrap(reply.body()), callback);
            return true;
        }
    }
}
