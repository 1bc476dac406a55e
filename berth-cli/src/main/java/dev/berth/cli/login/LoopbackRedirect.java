package dev.berth.cli.login;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The one-shot loopback listener of a native app's login (RFC 8252 §7.3): {@code http://127.0.0.1:PORT/callback}
 * on a port the system picks, receiving the provider's redirect once. The browser waits on that
 * request until {@link #answer} says how the login went, so its page tells the truth.
 */
final class LoopbackRedirect implements AutoCloseable {
    private static final String PATH = "/callback";
    /** How long the browser's request waits for the code exchange to finish. */
    private static final Duration ANSWER_WAIT = Duration.ofSeconds(60);

    private final HttpServer server;
    // the redirect's request waits for the answer: other requests (a favicon) must not queue behind it
    private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
    private final CompletableFuture<Map<String, String>> received = new CompletableFuture<>();
    private final CompletableFuture<Page> answer = new CompletableFuture<>();

    /** What the browser is shown. */
    record Page(int status, String title, String text) {}

    private LoopbackRedirect(HttpServer server) {
        this.server = server;
    }

    static LoopbackRedirect start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        LoopbackRedirect redirect = new LoopbackRedirect(server);
        server.createContext("/", redirect::handle);
        server.setExecutor(redirect.handlers);
        server.start();
        return redirect;
    }

    URI redirectUri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + PATH);
    }

    /** The query parameters of the redirect; a {@link TimeoutException} when none came within {@code timeout}. */
    Map<String, String> await(Duration timeout) throws TimeoutException, InterruptedException {
        try {
            return received.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause()); // nothing completes it exceptionally
        }
    }

    /** Ends the browser's wait with {@code page}. */
    void answer(Page page) {
        answer.complete(page);
    }

    @Override
    public void close() {
        answer.complete(new Page(503, "Berth login ended", "The login has already ended; return to the terminal."));
        server.stop(1);
        handlers.close();
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            if (!x.getRequestURI().getPath().equals(PATH) || !"GET".equals(x.getRequestMethod())) {
                send(x, new Page(404, "Not found", "This address only receives the login redirect."));
                return;
            }
            if (!received.complete(query(x.getRequestURI().getRawQuery()))) {
                send(x, new Page(409, "Berth login ended", "A redirect was already received; return to the terminal."));
                return;
            }
            Page page;
            try {
                page = answer.get(ANSWER_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                page = new Page(503, "Berth login interrupted", "Return to the terminal.");
            } catch (ExecutionException | TimeoutException e) {
                page = new Page(504, "Berth login still running", "The login did not finish in time; see the terminal.");
            }
            send(x, page);
        }
    }

    private static void send(HttpExchange x, Page page) throws IOException {
        byte[] html = ("<!doctype html><html><head><meta charset=\"utf-8\"><title>" + escape(page.title()) + "</title></head>"
                + "<body style=\"font-family:sans-serif;margin:3em\"><h1>" + escape(page.title()) + "</h1><p>"
                + escape(page.text()) + "</p></body></html>\n").getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
        x.getResponseHeaders().set("Cache-Control", "no-store");
        x.sendResponseHeaders(page.status(), html.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(html);
        }
    }

    static Map<String, String> query(String raw) {
        Map<String, String> params = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.putIfAbsent(key, value); // a repeated parameter does not get to override the first
        }
        return params;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
