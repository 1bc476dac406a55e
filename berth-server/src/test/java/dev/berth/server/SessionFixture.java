package dev.berth.server;


import dev.berth.api.client.BerthClient;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.SessionInfo;
import dev.berth.server.lifecycle.LifecyclePolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A real server for a lifecycle test that can be restarted on the same data directory, and that
 * deletes every session it knows of at the end (sessions outlive servers by design).
 */
final class SessionFixture implements AutoCloseable {
    final Path data;
    private final LifecyclePolicy lifecycle;
    TestServer server;
    BerthClient client;

    SessionFixture(Path data, LifecyclePolicy lifecycle) throws Exception {
        this.data = data;
        this.lifecycle = lifecycle;
        start();
        server.assumeSandboxes();
    }

    void start() throws Exception {
        server = TestServer.start(data, lifecycle);
        client = new BerthClient(server.server.uri(), server.token);
    }

    /** A clean stop: the API goes, sandboxes stay. */
    void stopServer() throws Exception {
        client.close();
        server.close();
    }

    void restart() throws Exception {
        stopServer();
        start();
    }

    CommandsApiTest.Collected run(String session, String script) throws Exception {
        return CommandsApiTest.collect(client.runCommand(session, CommandRequest.shell(script)));
    }

    Path sessionDir(String id) {
        return data.resolve("sessions").resolve(id);
    }

    long shimPid(String id) throws IOException {
        return Long.parseLong(Files.readString(sessionDir(id).resolve("state/shim.pid")).strip());
    }

    /** Whether the session's workspace is a mount point on the host now. */
    boolean workspaceMounted(String id) throws IOException {
        String target = sessionDir(id).resolve("workspace").toAbsolutePath().toString();
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .map(l -> l.split(" "))
                .anyMatch(f -> f.length > 4 && f[4].equals(target));
    }

    @Override
    public void close() throws Exception {
        if (server == null) {
            return;
        }
        List<SessionInfo> left = client.listSessions();
        for (SessionInfo s : left) {
            client.deleteSession(s.id());
        }
        stopServer();
    }
}
