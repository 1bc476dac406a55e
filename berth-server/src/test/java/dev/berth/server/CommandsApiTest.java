package dev.berth.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import dev.berth.api.client.BerthClient;
import dev.berth.api.model.CommandInfo;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.CommandState;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.SessionState;
import dev.berth.api.stream.FrameCodec;
import dev.berth.api.stream.StreamFrame;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The direct command path through the real HTTP API, real server and real sandboxes. */
@Timeout(180)
class CommandsApiTest {
    @TempDir
    Path data;

    TestServer server;
    BerthClient client;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(data);
        server.assumeSandboxes();
        client = server.client();
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.removeSessionsAndClose();
        }
    }

    record Collected(String stdout, String stderr, StreamFrame.Exit exit, String commandId) {}

    static Collected collect(InputStream in) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String id = null;
        try (in) {
            FrameCodec.Reader reader = new FrameCodec.Reader(in);
            StreamFrame f;
            while ((f = reader.next()) != null) {
                switch (f) {
                    case StreamFrame.Start s -> id = s.commandId();
                    case StreamFrame.Output o -> (o.channel() == StreamFrame.Channel.STDOUT ? out : err).write(o.data());
                    case StreamFrame.Trimmed t -> throw new AssertionError("unexpected trim " + t);
                    case StreamFrame.Heartbeat h -> { } // a quiet command
                    case StreamFrame.Exit x -> {
                        return new Collected(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), x, id);
                    }
                }
            }
        }
        throw new AssertionError("stream ended without an exit frame");
    }

    @Test
    void theIssueTourWorksThroughTheApi() throws Exception {
        client.createSession(CreateSessionRequest.of("demo", null, null));
        Collected init = collect(client.runCommand("demo",
                CommandRequest.shell("cd /mnt/workspace && git init -q && echo hi > f && echo done")));
        assertThat(init.exit().status().code()).as(init.stderr()).isZero();
        Collected cat = collect(client.runCommand("demo", CommandRequest.argv(List.of("cat", "/mnt/workspace/f"))));
        assertThat(cat.stdout()).isEqualTo("hi\n");

        assertThat(client.stopSession("demo").state()).isEqualTo(SessionState.STOPPED);
        // stopped: the workspace's file system is unmounted, and its image (or plain directory) kept
        assertThat(Files.exists(data.resolve("sessions/demo/workspace.img"))
                || Files.exists(data.resolve("sessions/demo/workspace/f"))).isTrue();
        Collected ls = collect(client.runCommand("demo", CommandRequest.shell("ls -A /mnt/workspace")));
        assertThat(ls.stdout()).isEqualTo(".git\nf\n");
        assertThat(client.session("demo").state()).isEqualTo(SessionState.RUNNING);

        client.deleteSession("demo");
        assertThat(Files.exists(data.resolve("sessions/demo"))).isFalse();
    }

    @Test
    void streamsAsProducedAndReportsSignalsAndTimeouts() throws Exception {
        client.createSession(CreateSessionRequest.of("stream", Map.of("FROM_SESSION", "s"), null));
        Collected env = collect(client.runCommand("stream", new CommandRequest("echo $FROM_SESSION $FROM_CMD; pwd; cat",
                null, Map.of("FROM_CMD", "c"), "/tmp", "piped", null, null, null)));
        assertThat(env.stdout()).isEqualTo("s c\n/tmp\npiped");

        Collected killed = collect(client.runCommand("stream", CommandRequest.shell("kill -KILL $$")));
        assertThat(killed.exit().status().signal()).isEqualTo(9);
        assertThat(killed.exit().status().shellStatus()).isEqualTo(137);

        Collected slow = collect(client.runCommand("stream",
                new CommandRequest("echo before; sleep 60", null, null, null, null, null, 1L, null)));
        assertThat(slow.stdout()).isEqualTo("before\n");
        assertThat(slow.exit().status().timedOut()).isTrue();
    }

    @Test
    void ndjsonIsTheDefaultAndIsBinarySafe() throws Exception {
        client.createSession(CreateSessionRequest.of("nd", null, null));
        HttpResponse<String> r = server.send("POST", "/v1/sessions/nd/commands",
                "{\"command\":\"printf 'text'; printf '\\\\377\\\\000' >&2; exit 4\"}");
        assertThat(r.statusCode()).isEqualTo(200);
        List<JsonNode> lines = r.body().lines().map(l -> {
            try {
                return Json.mapper().readTree(l);
            } catch (Exception e) {
                throw new AssertionError(l, e);
            }
        }).toList();
        assertThat(lines.getFirst().get("type").asText()).isEqualTo("start");
        assertThat(lines.get(1).get("text").asText()).isEqualTo("text");
        assertThat(lines.get(2).get("type").asText()).isEqualTo("stderr");
        assertThat(java.util.Base64.getDecoder().decode(lines.get(2).get("base64").asText())).containsExactly(0xff, 0);
        assertThat(lines.getLast().get("type").asText()).isEqualTo("exit");
        assertThat(lines.getLast().get("code").asInt()).isEqualTo(4);
    }

    @Test
    void worksOverH2cWithPriorKnowledge() throws Exception {
        client.createSession(CreateSessionRequest.of("h2", null, null));
        HTTP2Client h2 = new HTTP2Client();
        HttpClient jetty = new HttpClient(new HttpClientTransportOverHTTP2(h2));
        jetty.start();
        try {
            ContentResponse r = jetty.POST(server.uri("/v1/sessions/h2/commands"))
                    .headers(h -> h.put("Authorization", "Bearer " + server.token).put("Accept", FrameCodec.MEDIA_TYPE))
                    .body(new StringRequestContent("application/json", "{\"command\":\"echo over-h2\"}"))
                    .send();
            assertThat(r.getVersion()).isEqualTo(HttpVersion.HTTP_2);
            Collected c = collect(new java.io.ByteArrayInputStream(r.getContent()));
            assertThat(c.stdout()).isEqualTo("over-h2\n");
            assertThat(c.exit().status().code()).isZero();
        } finally {
            jetty.stop();
        }
    }

    @Test
    void detachedCommandsCanBeReadFromAnyOffsetAndListed() throws Exception {
        client.createSession(CreateSessionRequest.of("detach", null, null));
        CommandInfo started = client.startCommand("detach", CommandRequest.shell("printf 0123456789; exit 7"));
        assertThat(started.state()).isIn(CommandState.RUNNING, CommandState.EXITED);
        Collected tail = collect(client.output("detach", started.id(), 6));
        assertThat(tail.stdout()).isEqualTo("6789");
        assertThat(tail.exit().status().code()).isEqualTo(7);
        CommandInfo done = client.command("detach", started.id());
        assertThat(done.state()).isEqualTo(CommandState.EXITED);
        assertThat(done.endOffset()).isEqualTo(10);
        assertThat(client.listCommands("detach")).extracting(CommandInfo::id).contains(started.id());

        HttpResponse<String> unknown = server.send("GET", "/v1/sessions/detach/commands/c-nothere", null);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("command_not_found");
        HttpResponse<String> noCommand = server.send("POST", "/v1/sessions/detach/commands", "{\"cwd\":\"/tmp\"}");
        assertThat(noCommand.body()).contains("missing_field");
        HttpResponse<String> dup = server.send("POST", "/v1/sessions", "{\"id\":\"detach\"}");
        assertThat(dup.statusCode()).isEqualTo(409);
        assertThat(dup.body()).contains("session_exists");
        HttpResponse<String> badOffset = server.send("GET", "/v1/sessions/detach/commands/" + started.id() + "/output?offset=-3", null);
        assertThat(badOffset.body()).contains("invalid_field");
    }

    @Test
    void commandsAndTheirOutputSurviveAServerRestart() throws Exception {
        client.createSession(CreateSessionRequest.of("survivor", null, null));
        CommandInfo counter = client.startCommand("survivor",
                CommandRequest.shell("for i in $(seq 1 40); do echo $i; sleep 0.05; done"));
        await().atMost(Duration.ofSeconds(10)).until(() -> client.command("survivor", counter.id()).endOffset() > 0);

        server.close(); // the API goes away; the sandbox and the counter must not
        server = TestServer.start(data);
        client = server.client();

        Collected all = collect(client.output("survivor", counter.id(), 0));
        StringBuilder expected = new StringBuilder();
        for (int i = 1; i <= 40; i++) {
            expected.append(i).append('\n');
        }
        assertThat(all.stdout()).isEqualTo(expected.toString());
        assertThat(all.exit().status().code()).isZero();
        assertThat(client.session("survivor").state()).isEqualTo(SessionState.RUNNING);
    }
}
