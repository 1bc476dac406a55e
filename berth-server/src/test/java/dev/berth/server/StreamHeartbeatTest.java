package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.api.client.BerthClient;
import dev.berth.api.model.CommandInfo;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.CommandState;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.stream.FrameCodec;
import dev.berth.api.stream.StreamFrame;
import dev.berth.server.config.ServerConfig;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A followed command that prints nothing still has a live stream (heartbeats), and clients that
 * hang up on such a stream are let go of: hundreds of abandoned re-attaches neither exhaust the
 * sandbox supervisor nor get the still-running command recorded as killed.
 */
@Timeout(180)
class StreamHeartbeatTest {
    private static final Duration HEARTBEAT = Duration.ofMillis(200);

    @TempDir
    Path data;

    TestServer server;
    BerthClient client;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(ServerConfig.defaults(data).withStreamHeartbeat(HEARTBEAT));
        server.assumeSandboxes();
        client = new BerthClient(server.server.uri(), server.token);
        client.createSession(CreateSessionRequest.of("quiet", null, null));
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.deleteSession("quiet");
            client.close();
        }
        server.close();
    }

    @Test
    void aQuietCommandsStreamCarriesHeartbeats() throws Exception {
        CommandInfo task = client.startCommand("quiet", CommandRequest.shell("echo started; exec sleep 600"));
        try (InputStream in = client.output("quiet", task.id(), 0)) {
            FrameCodec.Reader frames = new FrameCodec.Reader(in);
            assertThat(frames.next()).isInstanceOf(StreamFrame.Start.class);
            assertThat(frames.next()).isInstanceOf(StreamFrame.Output.class);
            for (int i = 0; i < 3; i++) {
                assertThat(frames.next()).isInstanceOf(StreamFrame.Heartbeat.class);
            }
        }
        // and in NDJSON, for curl users
        try (Socket s = get("/v1/sessions/quiet/commands/" + task.id() + "/output?offset=0")) {
            BufferedReader lines = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String line;
            do {
                line = lines.readLine();
            } while (line != null && !line.contains("heartbeat"));
            assertThat(line).isEqualTo("{\"type\":\"heartbeat\"}");
        }
    }

    @Test
    void abandonedReattachesAreLetGoAndTheCommandRunsOn() throws Exception {
        CommandInfo task = client.startCommand("quiet", CommandRequest.shell("echo started; exec sleep 600"));
        long shim = Long.parseLong(Files.readString(data.resolve("sessions/quiet/state/shim.pid")).strip());
        // more than the supervisor's 256 connections, each dropped once it has what it came for
        for (int i = 0; i < 300; i++) {
            try (Socket s = get("/v1/sessions/quiet/commands/" + task.id() + "/output?offset=0")) {
                BufferedReader lines = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                String line;
                do {
                    line = lines.readLine();
                } while (line != null && !line.contains("started"));
                assertThat(line).as("re-attach %d", i).contains("\"text\":\"started\\n\"");
            }
            if (i % 50 == 49) { // the server lets each watch go within a heartbeat or two
                await().atMost(Duration.ofSeconds(30)).until(() -> sockets(shim) < 20);
            }
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> sockets(shim) < 20);
        CommandInfo after = client.command("quiet", task.id());
        assertThat(after.state()).isEqualTo(CommandState.RUNNING);
        assertThat(after.exit()).isNull();
    }

    /** A raw HTTP/1.1 request, as curl sends it, whose connection the caller drops. */
    private Socket get(String path) throws Exception {
        Socket s = new Socket(server.server.uri().getHost(), server.server.uri().getPort());
        OutputStream out = s.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + server.token + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return s;
    }

    /** Open sockets of the sandbox supervisor: its listener, its warm helper's, and one per connection. */
    private static long sockets(long pid) throws Exception {
        try (var fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith("socket:");
                } catch (Exception e) {
                    return false; // closed meanwhile
                }
            }).count();
        }
    }
}
