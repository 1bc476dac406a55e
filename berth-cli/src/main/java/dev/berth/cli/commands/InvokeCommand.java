package dev.berth.cli.commands;

import dev.berth.api.client.BerthClient;
import dev.berth.cli.connect.Connected;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code berth invoke NAME --session ID [--data JSON|@FILE]}: the agent's answer, printed as it streams. */
@Command(name = "invoke", description = {"Invoke runtime NAME's agent in a session and print its answer as it streams.",
        "The session is created if it does not exist (and resumed if stopped); it must run NAME."})
public final class InvokeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "The runtime.")
    String name;

    @Option(names = {"-s", "--session"}, paramLabel = "ID", required = true, description = "The session id.")
    String session;

    @Option(names = {"-d", "--data"}, paramLabel = "JSON|@FILE", description = "The payload: JSON text, @FILE to read it from a file, or @- for stdin. Default: {}.")
    String data;

    @Option(names = "--content-type", paramLabel = "TYPE", description = "The payload's media type (default: application/json).")
    String contentType;

    @Override
    public Integer call() throws IOException {
        byte[] payload = payload();
        BerthClient client = Connected.of(spec).client();
        try (BerthClient.Invocation inv = client.invoke(name, session, payload, contentType)) {
            InputStream in = inv.body();
            byte[] buf = new byte[16 << 10];
            for (int n; (n = in.read(buf)) > 0; ) {
                System.out.write(buf, 0, n);
                System.out.flush(); // an agent's stream is read as it comes
            }
        }
        return 0;
    }

    private byte[] payload() {
        if (data == null) {
            return "{}".getBytes(StandardCharsets.UTF_8);
        }
        if (!data.startsWith("@")) {
            return data.getBytes(StandardCharsets.UTF_8);
        }
        try {
            return data.equals("@-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(data.substring(1)));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ParameterException(spec.commandLine(), "no such file: " + data.substring(1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
