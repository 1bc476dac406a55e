package dev.berth.cli.commands;

import dev.berth.api.Json;
import dev.berth.api.client.BerthClient;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.SessionInfo;
import dev.berth.api.stream.FrameCodec;
import dev.berth.api.stream.StreamFrame;
import dev.berth.cli.Main;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Hidden: the launcher runs this once after a build to record an ahead-of-time class cache. It
 * walks the client paths a CLI call takes (parsing, JSON, framing, an HTTP attempt) without a server.
 */
@Command(name = "aot-train", hidden = true)
public final class AotTrainCommand implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
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
}
