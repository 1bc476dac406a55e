package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.client.BerthClient;
import dev.berth.api.model.CommandInfo;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.stream.FrameCodec;
import dev.berth.api.stream.StreamFrame;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Commands on a terminal through the HTTP API: start, type, resize, read back by offset; bad calls. */
@Timeout(120)
class TtyApiTest {
    @TempDir
    Path data;

    ShellSession term;
    TestServer server;
    BerthClient client;

    @BeforeEach
    void start() throws Exception {
        term = ShellSession.start(data, "term");
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
    void typeOnATerminalResizeItAndReadItBackFromAnyOffset() throws Exception {
        CommandInfo sh = shell(24, 80);
        assertThat(sh.tty()).isTrue();
        assertThat(client.startCommand("term", CommandRequest.shell("true")).tty()).isFalse();
        try (InputStream out = client.output("term", sh.id(), 0)) {
            Screen screen = new Screen(out);
            screen.await("$ ");
            client.input("term", sh.id(), "echo $((6*7)); stty size\n".getBytes(StandardCharsets.UTF_8));
            screen.await("42\r\n24 80\r\n");
            client.resize("term", sh.id(), 40, 132);
            client.input("term", sh.id(), "stty size\n".getBytes(StandardCharsets.UTF_8));
            screen.await("40 132\r\n");
            client.input("term", sh.id(), "exit 3\n".getBytes(StandardCharsets.UTF_8));
            assertThat(screen.exit().status().code()).isEqualTo(3);
        }
        // everything it showed is still there, from byte 0, as for any command
        try (InputStream again = client.output("term", sh.id(), 0)) {
            Screen replay = new Screen(again);
            replay.await("42\r\n24 80\r\n");
            replay.await("40 132\r\n");
            assertThat(replay.exit().status().code()).isEqualTo(3);
        }
    }

    @Test
    void badTerminalCallsGetStableErrors() throws Exception {
        CommandInfo piped = client.startCommand("term", CommandRequest.shell("exec sleep 600"));
        assertError(server.send("POST", "/v1/sessions/term/commands/" + piped.id() + "/input", "x"), 409, "no_terminal");
        assertError(server.send("POST", "/v1/sessions/term/commands/" + piped.id() + "/resize", "{\"rows\":5,\"cols\":5}"),
                409, "no_terminal");
        CommandInfo sh = shell(24, 80);
        assertError(server.send("POST", "/v1/sessions/term/commands/" + sh.id() + "/resize", "{\"rows\":0,\"cols\":0}"),
                400, "invalid_field");
        assertError(server.send("POST", "/v1/sessions/term/commands/" + sh.id() + "/resize", "{\"rows\":70000,\"cols\":80}"),
                400, "invalid_field");
        assertError(server.send("POST", "/v1/sessions/term/commands/" + sh.id() + "/resize", "{\"rows\":24}"),
                400, "missing_field");
        assertError(server.send("POST", "/v1/sessions/term/commands", "{\"argv\":[\"sh\"],\"tty\":{\"rows\":-1,\"cols\":80}}"),
                400, "invalid_field");
        assertError(server.send("POST", "/v1/sessions/term/commands/nope/input", "x"), 404, "command_not_found");
        client.input("term", sh.id(), "exit\n".getBytes(StandardCharsets.UTF_8));
        try (InputStream out = client.output("term", sh.id(), 0)) {
            new Screen(out).exit();
        }
        assertError(server.send("POST", "/v1/sessions/term/commands/" + sh.id() + "/input", "x"), 409, "command_finished");
        client.signal("term", piped.id(), "KILL");
    }

    private static void assertError(HttpResponse<String> r, int status, String code) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.body()).contains("\"code\":\"" + code + "\"");
    }

    /** What a terminal stream showed, read frame by frame until some text appears. */
    private static final class Screen {
        private final FrameCodec.Reader frames;
        private final StringBuilder text = new StringBuilder();
        private int seen;
        private StreamFrame.Exit exit;

        Screen(InputStream in) {
            this.frames = new FrameCodec.Reader(in);
        }

        void await(String s) throws Exception {
            while (text.indexOf(s, seen) < 0) {
                if (!next()) {
                    throw new AssertionError("the stream ended before " + s + "; it showed: " + text);
                }
            }
            seen = text.indexOf(s, seen) + s.length();
        }

        StreamFrame.Exit exit() throws Exception {
            while (exit == null) {
                if (!next()) {
                    throw new AssertionError("the stream ended without an exit frame: " + text);
                }
            }
            return exit;
        }

        private boolean next() throws Exception {
            StreamFrame f = frames.next();
            switch (f) {
                case null -> {
                    return false;
                }
                case StreamFrame.Output o -> text.append(new String(o.data(), StandardCharsets.UTF_8));
                case StreamFrame.Exit x -> exit = x;
                default -> { } // start, heartbeats
            }
            return true;
        }
    }
}
