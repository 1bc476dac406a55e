package dev.berth.server.agents;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Transport;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * HTTP/1.1 to agents, each through the unix socket its sandbox forwards port 8080 to. Connections
 * are pooled per socket, so an invocation usually reuses one (and its relay) instead of making both.
 */
public final class AgentClient implements AutoCloseable {
    /** What an agent answered to {@code GET /ping}: {@code Healthy}, {@code HealthyBusy}, or why not. */
    public record Ping(boolean answered, boolean busy, String detail) {
        static Ping failed(String why) {
            return new Ping(false, false, why);
        }
    }

    private final HttpClient http;

    public AgentClient() throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("berth-agent-client");
        threads.setDaemon(true);
        // a relayed answer's chunks are written to the caller from these threads, blocking as they go
        threads.setVirtualThreadsExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        http = new HttpClient();
        http.setExecutor(threads);
        http.setFollowRedirects(false);
        http.setUserAgentField(null);
        http.setConnectTimeout(2_000);
        http.start();
    }

    public Ping ping(Path socket, Duration timeout) {
        try {
            ContentResponse r = request(socket, HttpMethod.GET, "/ping").timeout(timeout.toMillis(), TimeUnit.MILLISECONDS).send();
            if (r.getStatus() != 200) {
                return Ping.failed("/ping answered HTTP " + r.getStatus());
            }
            JsonNode body = Json.mapper().readTree(r.getContent());
            String status = body == null ? "" : body.path("status").asText("");
            return switch (status) {
                case "Healthy" -> new Ping(true, false, null);
                case "HealthyBusy" -> new Ping(true, true, null);
                default -> Ping.failed("/ping said " + (status.isEmpty() ? "no status" : "status " + status));
            };
        } catch (IOException e) {
            return Ping.failed("/ping answered something other than JSON");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Ping.failed("interrupted");
        } catch (TimeoutException e) {
            return Ping.failed("/ping did not answer within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            return Ping.failed("nothing answers on the agent's port (" + rootMessage(e) + ")");
        }
    }

    /**
     * Sends an invocation; the response's head and then its body stream as the agent sends them.
     *
     * @param headers extra request headers, name then value
     */
    public void invoke(Path socket, byte[] body, String contentType, Response.Listener listener, String... headers) {
        Request r = request(socket, HttpMethod.POST, "/invocations")
                .body(new BytesRequestContent(contentType == null ? "application/json" : contentType, body));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            String name = headers[i];
            String value = headers[i + 1];
            r.headers(h -> h.put(name, value));
        }
        r.send(listener);
    }

    private Request request(Path socket, HttpMethod method, String path) {
        // the host name is only a Host header for the agent: the transport decides where it goes
        return http.newRequest("http://agent" + path).method(method).transport(new Transport.TCPUnix(socket));
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    @Override
    public void close() throws Exception {
        http.stop();
    }
}
