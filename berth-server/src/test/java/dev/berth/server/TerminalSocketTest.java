package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.berth.api.client.BerthClient;
import dev.berth.api.client.TerminalChannel;
import dev.berth.api.model.ApiException;
import dev.berth.api.model.CommandInfo;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.ExitStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A command's terminal over its WebSocket: output by offset, acknowledged input, control frames, bad frames. */
@Timeout(120)
class TerminalSocketTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path data;

    ShellSession term;
    TestServer server;
    BerthClient client;

    @BeforeEach
    void start() throws Exception {
        term = ShellSession.start(data, "sock");
        server = term.server;
        client = term.client;
    }

    @AfterEach
    void stop() throws Exception {
        if (term != null) {
            term.close();
        }
    }

    private CommandInfo shell(int rows, int cols) {
        return term.shell(rows, cols);
    }

    @Test
    void typeResizeAndExitOverOneSocket() {
        CommandInfo sh = shell(24, 80);
        Screen screen = new Screen();
        try (TerminalChannel ch = client.openTerminal("sock", sh.id(), 0, "one", 0, screen)) {
            screen.await("$ ");
            assertThat(screen.helloOffset).isZero();
            byte[] line = "echo $((6*7)); stty size\n".getBytes(StandardCharsets.UTF_8);
            ch.input(line);
            screen.await("42\r\n24 80\r\n");
            await().atMost(PATIENCE).until(() -> screen.acked == line.length);
            ch.resize(50, 132);
            ch.input("stty size; exit 7\n".getBytes(StandardCharsets.UTF_8));
            screen.await("50 132\r\n");
            assertThat(screen.exit.join().code()).isEqualTo(7);
        }
        assertThat(client.command("sock", sh.id()).exit().code()).isEqualTo(7);
    }

    @Test
    void aReconnectingClientIsToldWhatItTypedAndResumesWithoutDuplicates() {
        CommandInfo sh = shell(24, 80);
        Screen first = new Screen();
        long resumeAt;
        try (TerminalChannel ch = client.openTerminal("sock", sh.id(), 0, "laptop", 0, first)) {
            ch.input("echo one-$((1+1))\n".getBytes(StandardCharsets.UTF_8));
            first.await("one-2\r\n$ ");
            await().atMost(PATIENCE).until(() -> first.acked == 18);
            resumeAt = first.end;
            ch.abort(); // as a network drop would
        }
        Screen second = new Screen();
        try (TerminalChannel ch = client.openTerminal("sock", sh.id(), resumeAt, "laptop", 0, second)) {
            await().atMost(PATIENCE).until(() -> second.helloOffset >= 0);
            assertThat(second.helloOffset).isEqualTo(resumeAt);
            assertThat(second.helloAccepted).isEqualTo(18); // so it sends nothing again
            ch.input("echo two-$((1+1))\n".getBytes(StandardCharsets.UTF_8));
            second.await("two-2\r\n");
            assertThat(second.text()).doesNotContain("one-2"); // nothing it had already is sent twice
            await().atMost(PATIENCE).until(() -> second.acked == 36);
        }
        Screen stranger = new Screen();
        try (TerminalChannel ch = client.openTerminal("sock", sh.id(), 0, "desk", 0, stranger)) {
            stranger.await("two-2\r\n"); // everything, from byte 0
            assertThat(stranger.helloAccepted).isZero();
            ch.input("exit\n".getBytes(StandardCharsets.UTF_8));
            stranger.exit.join();
        }
    }

    @Test
    void twoClientsAtOnceSeeEverythingAndTypeInTurn() {
        CommandInfo sh = shell(24, 80);
        Screen a = new Screen();
        Screen b = new Screen();
        try (TerminalChannel ca = client.openTerminal("sock", sh.id(), 0, "a", 0, a);
                TerminalChannel cb = client.openTerminal("sock", sh.id(), 0, "b", 0, b)) {
            ca.input("echo from-$((10+1))\n".getBytes(StandardCharsets.UTF_8));
            a.await("from-11\r\n");
            b.await("from-11\r\n");
            cb.input("echo from-$((20+2))\n".getBytes(StandardCharsets.UTF_8));
            a.await("from-22\r\n");
            b.await("from-22\r\n");
            ca.input("exit 0\n".getBytes(StandardCharsets.UTF_8));
            assertThat(a.exit.join().code()).isZero();
            assertThat(b.exit.join().code()).isZero();
        }
    }

    @Test
    void badFramesGetErrorFramesAndTheSocketLivesOn() throws Exception {
        CommandInfo sh = shell(24, 80);
        Screen screen = new Screen();
        try (TerminalChannel ch = client.openTerminal("sock", sh.id(), 0, "x", 0, screen)) {
            screen.await("$ ");
            ch.text(Map.of("type", "teleport"));
            ch.text("not json");
            ch.text(Map.of("type", "resize", "rows", 0, "cols", 0));
            ch.text(Map.of("type", "resize", "rows", 70000, "cols", 80));
            ch.text(Map.of("type", "signal", "signal", "NOPE"));
            await().atMost(PATIENCE).until(() -> screen.errors.size() == 5);
            assertThat(screen.errors).containsExactly(ErrorCode.UNKNOWN_FRAME, ErrorCode.MALFORMED_JSON,
                    ErrorCode.INVALID_FIELD, ErrorCode.INVALID_FIELD, ErrorCode.INVALID_FIELD);
            // the largest terminal there is, then typing: the socket still serves
            ch.resize(65535, 65535);
            ch.input("stty size\n".getBytes(StandardCharsets.UTF_8));
            screen.await("65535 65535\r\n");
            ch.signal("KILL");
            ExitStatus killed = screen.exit.join();
            assertThat(killed.signal()).isEqualTo(9);
            assertThat(killed.code()).isNull();
            assertThat(killed.shellStatus()).isEqualTo(137);
        }
        CommandInfo piped = client.startCommand("sock", CommandRequest.shell("true"));
        assertThatThrownBy(() -> client.openTerminal("sock", piped.id(), 0, "x", 0, new Screen()))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NO_TERMINAL));
        assertThatThrownBy(() -> client.openTerminal("sock", "nope", 0, "x", 0, new Screen()))
                .isInstanceOfSatisfying(ApiException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.COMMAND_NOT_FOUND));
        assertThatThrownBy(() -> client.openTerminal("sock", sh.id(), 0, "bad id!", 0, new Screen()))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD));
        HttpResponse<String> plain = server.send("GET", "/v1/sessions/sock/commands/" + sh.id() + "/tty?client=x", null);
        assertThat(plain.statusCode()).isEqualTo(426);
        assertThat(plain.body()).contains("\"code\":\"upgrade_required\"");
    }

    @Test
    void aPingFrameIsAnsweredAndABrowserSignedInByCookieMayAttach() throws Exception {
        CommandInfo sh = shell(24, 80);
        HttpResponse<String> login = server.send("POST", "/v1/web/login", "{\"token\":\"" + server.token + "\"}",
                "Content-Type", "application/json");
        String cookie = login.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
        List<String> texts = new CopyOnWriteArrayList<>();
        WebSocket.Listener listener = new WebSocket.Listener() {
            private final StringBuilder partial = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    texts.add(partial.toString());
                    partial.setLength(0);
                }
                ws.request(1);
                return null;
            }
        };
        URI uri = URI.create(server.server.uri().toString().replaceFirst("^http", "ws")
                + "/v1/sessions/sock/commands/" + sh.id() + "/tty?client=browser");
        try (HttpClient http = HttpClient.newHttpClient()) {
            // as a browser does it: the cookie, and the page's origin (no Authorization header)
            WebSocket ws = http.newWebSocketBuilder().header("Cookie", cookie).header("Origin", server.server.uri().toString())
                    .buildAsync(uri, listener).get();
            await().atMost(PATIENCE).until(() -> texts.stream().anyMatch(t -> t.contains("\"hello\"")));
            ws.sendText("{\"type\":\"ping\"}", true).get();
            await().atMost(PATIENCE).until(() -> texts.contains("{\"type\":\"pong\"}"));
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get();
        }
    }

    /** What one client's socket showed: output in order (checked contiguous), acks, errors, the exit. */
    private static final class Screen implements TerminalChannel.Listener {
        private final StringBuilder text = new StringBuilder();
        volatile long helloOffset = -1;
        volatile long helloAccepted = -1;
        volatile long end = -1;
        volatile long acked;
        final List<ErrorCode> errors = new CopyOnWriteArrayList<>();
        final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();

        @Override
        public void hello(long offset, long inputAccepted) {
            helloAccepted = inputAccepted;
            end = offset;
            helloOffset = offset;
        }

        @Override
        public synchronized void output(long offset, ByteBuffer data) {
            assertThat(offset).as("output offsets follow each other").isEqualTo(end);
            end = offset + data.remaining();
            byte[] b = new byte[data.remaining()];
            data.get(b);
            text.append(new String(b, StandardCharsets.ISO_8859_1));
        }

        @Override
        public void acked(long inputAccepted) {
            acked = inputAccepted;
        }

        @Override
        public void error(ErrorCode code, String message) {
            errors.add(code);
        }

        @Override
        public void exited(ExitStatus status, long endOffset) {
            exit.complete(status);
        }

        @Override
        public void closed(String why) {
            exit.completeExceptionally(new AssertionError(why));
        }

        synchronized String text() {
            return text.toString();
        }

        void await(String s) {
            org.awaitility.Awaitility.await().atMost(PATIENCE).until(() -> text().contains(s));
        }
    }
}
