package dev.berth.cli.commands;

import dev.berth.api.Json;
import dev.berth.api.client.BerthClient;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.SessionInfo;
import dev.berth.api.stream.FrameCodec;
import dev.berth.api.stream.StreamFrame;
import dev.berth.cli.Main;
import dev.berth.server.BerthServer;
import dev.berth.server.config.ServerConfig;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Hidden: the launcher runs this once after a build to record ahead-of-time class caches. Plain, it
 * walks the client paths a CLI call takes (parsing, JSON, framing, an HTTP attempt) without a
 * server; with {@code --for-server} it starts a server on a throw-away data directory and asks it what
 * a restarting server is asked first (health, sessions, errors), so that {@code serve} starts fast
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
                new String[] {"command", "ls", "demo"})) {
            new CommandLine(new Main()).parseArgs(args);
        }
        byte[] json = Json.mapper().writeValueAsBytes(CreateSessionRequest.of("demo", java.util.Map.of(), null));
        Json.mapper().readValue(json, CreateSessionRequest.class);
        Json.mapper().writeValueAsBytes(CommandRequest.argv(List.of("true")));
        Json.mapper().readValue("{\"id\":\"x\",\"state\":\"running\",\"createdAt\":\"2026-01-01T00:00:00Z\"}", SessionInfo.class);
        new FrameCodec.Reader(new ByteArrayInputStream(FrameCodec.encode(new StreamFrame.Start("c-1")))).next();
        try (BerthClient client = new BerthClient(URI.create("http://127.0.0.1:1/"), "t")) {
            client.listSessions();
        } catch (RuntimeException expected) {
            // nothing listens there: the point was loading the HTTP client's classes
        }
        return 0;
    }

    private static int trainServer() throws Exception {
        java.nio.file.Path data = java.nio.file.Files.createTempDirectory("berth-aot-train");
        try (BerthServer s = BerthServer.start(ServerConfig.defaults(data).withListen("127.0.0.1", 0));
                BerthClient client = new BerthClient(s.uri(), java.nio.file.Files.readString(data.resolve("admin.token")).strip())) {
            client.health();
            client.listSessions();
            for (String missing : List.of("nothing-here", "BAD ID")) {
                try {
                    client.session(missing);
                } catch (RuntimeException expected) {
                    // the error path is part of what a server serves
                }
            }
        } finally {
            try (var paths = java.nio.file.Files.walk(data)) {
                for (java.nio.file.Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    java.nio.file.Files.deleteIfExists(p);
                }
            }
        }
        return 0;
    }
}
