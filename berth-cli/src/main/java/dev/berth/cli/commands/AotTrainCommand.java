package dev.berth.cli.commands;

import dev.berth.api.Json;
import dev.berth.api.client.BerthClient;
import dev.berth.api.model.CommandInfo;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.SessionInfo;
import dev.berth.api.stream.FrameCodec;
import dev.berth.api.stream.StreamFrame;
import dev.berth.cli.Main;
import dev.berth.server.BerthServer;
import dev.berth.server.config.ServerConfig;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * Hidden: the launcher runs this once after a build to record ahead-of-time class caches. Plain, it
 * walks the client paths a CLI call takes (parsing, JSON, framing, an HTTP attempt) without a
 * server; with {@code --for-server} it starts a server on a throw-away data directory and asks it what
 * a restarting server is asked first (health, sessions, errors, over HTTP/1.1 and h2c) and, as root,
 * a session's usual life (commands streamed and detached, output re-read, stop and resume), then
 * restarts on the same data so that re-adopting a sandbox and serving its output are in the cache
 * too: a restart's downtime is what sessions' clients wait for.
 */
@Command(name = "aot-train", hidden = true)
public final class AotTrainCommand implements Callable<Integer> {
    @picocli.CommandLine.Option(names = "--for-server")
    boolean server;

    @Override
    public Integer call() throws Exception {
        if (server) {
            return trainServer();
        }
        for (String[] args : List.of(
                new String[] {"session", "ls", "--json"},
                new String[] {"run", "-e", "A=1", "demo", "--", "true"},
                new String[] {"attach", "demo", "c-1", "--offset", "5"},
                new String[] {"command", "ls", "demo"},
                new String[] {"exec", "--it", "demo", "--tty", "c-1"})) {
            Main.commandLine(new Main(), args).parseArgs(args);
        }
        byte[] json = Json.mapper().writeValueAsBytes(CreateSessionRequest.of("demo", java.util.Map.of(), null));
        Json.mapper().readValue(json, CreateSessionRequest.class);
        Json.mapper().writeValueAsBytes(CommandRequest.argv(List.of("true")));
        Json.mapper().readValue("{\"id\":\"x\",\"state\":\"running\",\"createdAt\":\"2026-01-01T00:00:00Z\"}", SessionInfo.class);
        new FrameCodec.Reader(new ByteArrayInputStream(FrameCodec.encode(new StreamFrame.Start("c-1")))).next();
        try (BerthClient client = new BerthClient(URI.create("http://127.0.0.1:1/"), "t")) {
            try {
                client.listSessions();
            } catch (RuntimeException expected) {
                // nothing listens there: the point was loading the HTTP client's classes
            }
            try {
                client.openTerminal("demo", "c-1", 0, "train", 1, new dev.berth.api.client.TerminalChannel.Listener() {
                    @Override
                    public void hello(long offset, long inputAccepted) {}

                    @Override
                    public void output(long offset, java.nio.ByteBuffer data) {}

                    @Override
                    public void exited(dev.berth.api.model.ExitStatus status, long endOffset) {}

                    @Override
                    public void closed(String why) {}
                });
            } catch (RuntimeException expected) {
                // the same, for the WebSocket client that exec uses
            }
        }
        return 0;
    }

    private static int trainServer() throws Exception {
        Path data = Files.createTempDirectory("berth-aot-train");
        ServerConfig config = ServerConfig.defaults(data).withListen("127.0.0.1", 0);
        Optional<Task> task = Optional.empty();
        try {
            try (BerthServer s = BerthServer.start(config); BerthClient client = client(s, data)) {
                client.health();
                client.listSessions();
                for (String missing : List.of("nothing-here", "BAD ID")) {
                    try {
                        client.session(missing);
                    } catch (RuntimeException expected) {
                        // the error path is part of what a server serves
                    }
                }
                overHttp2(s, data);
                if (s.driver().unavailableReason().isEmpty()) { // sandboxes need root: a plain user trains the rest
                    task = Optional.of(sessionPaths(client));
                }
            }
            if (task.isPresent()) {
                // what a restart does first: re-adopt the sandbox, then serve its task's output from byte 0
                try (BerthServer s = BerthServer.start(config); BerthClient client = client(s, data)) {
                    try (InputStream out = client.output(task.get().session(), task.get().command(), 0)) {
                        firstOutput(out);
                    }
                    client.listCommands(task.get().session());
                    client.deleteSession(task.get().session());
                    task = Optional.empty();
                }
            }
        } finally {
            if (task.isPresent()) { // a failure left the session behind: its sandbox outlives this JVM by design
                try (BerthServer s = BerthServer.start(config); BerthClient client = client(s, data)) {
                    client.deleteSession(task.get().session());
                }
            }
            try (var paths = Files.walk(data)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        return 0;
    }

    /** A session and the detached task left running in it. */
    private record Task(String session, String command) {}

    /** Create, stream a command, detach one, re-read output, stop and resume: a session's usual life. */
    private static Task sessionPaths(BerthClient client) throws Exception {
        String id = "aot-train-" + ProcessHandle.current().pid();
        client.createSession(CreateSessionRequest.of(id, java.util.Map.of("TRAIN", "1"), null));
        try (InputStream out = client.runCommand(id, CommandRequest.shell("echo out; echo err >&2; exit 3"))) {
            out.readAllBytes();
        }
        CommandInfo task = client.startCommand(id, CommandRequest.shell("echo trained; exec sleep 120"));
        try (InputStream out = client.output(id, task.id(), 0)) {
            firstOutput(out);
        }
        client.command(id, task.id());
        CommandInfo quick = client.startCommand(id, CommandRequest.argv(List.of("true")));
        try (InputStream out = client.output(id, quick.id(), 0)) {
            out.readAllBytes();
        }
        client.stopSession(id);
        try (InputStream out = client.runCommand(id, CommandRequest.argv(List.of("echo", "resumed")))) {
            out.readAllBytes();
        }
        return new Task(id, client.startCommand(id, CommandRequest.shell("echo again; exec sleep 120")).id());
    }

    /** Reads frames until the first output frame: the stream itself goes on while its command runs. */
    private static void firstOutput(InputStream in) throws java.io.IOException {
        FrameCodec.Reader frames = new FrameCodec.Reader(in);
        for (StreamFrame f; (f = frames.next()) != null; ) {
            if (f instanceof StreamFrame.Output || f instanceof StreamFrame.Exit) {
                return;
            }
        }
    }

    /** The HTTP/2 side of the server (the CLI speaks HTTP/1.1; SDKs and the bench speak h2c). */
    private static void overHttp2(BerthServer s, Path data) throws Exception {
        String token = Files.readString(data.resolve("admin.token")).strip();
        try (HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build()) {
            for (String path : List.of("/v1/health", "/v1/sessions", "/v1/sessions/nothing-here")) {
                h2.send(HttpRequest.newBuilder(s.uri().resolve(path)).header("Authorization", "Bearer " + token).build(),
                        HttpResponse.BodyHandlers.discarding());
            }
        }
    }

    private static BerthClient client(BerthServer s, Path data) throws java.io.IOException {
        return new BerthClient(s.uri(), Files.readString(data.resolve("admin.token")).strip());
    }
}
