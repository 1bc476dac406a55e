package dev.berth.server;

import dev.berth.api.client.BerthClient;
import dev.berth.api.model.CommandInfo;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.Tty;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** A real server with one session for terminal tests, and {@code /bin/sh} on a terminal in it; removed at the end. */
final class ShellSession implements AutoCloseable {
    final TestServer server;
    final BerthClient client;
    final String id;

    private ShellSession(TestServer server, String id) {
        this.server = server;
        this.id = id;
        this.client = new BerthClient(server.server.uri(), server.token);
    }

    /** Skips the test (with the reason) where sandboxes cannot run. */
    static ShellSession start(Path data, String id) throws Exception {
        TestServer server = TestServer.start(data);
        try {
            server.assumeSandboxes();
        } catch (RuntimeException skipped) {
            server.close();
            throw skipped;
        }
        ShellSession t = new ShellSession(server, id);
        t.client.createSession(CreateSessionRequest.of(id, null, null));
        return t;
    }

    /** A shell whose prompt is {@code "$ "}. */
    CommandInfo shell(int rows, int cols) {
        return client.startCommand(id, new CommandRequest(null, List.of("/bin/sh"), Map.of("PS1", "$ ", "TERM", "xterm"),
                null, null, null, null, true, new Tty(rows, cols)));
    }

    @Override
    public void close() throws Exception {
        try {
            client.deleteSession(id);
            client.close();
        } finally {
            server.close();
        }
    }
}
