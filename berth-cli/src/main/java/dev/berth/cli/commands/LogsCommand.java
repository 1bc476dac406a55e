package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import dev.berth.api.model.AuditRecord;
import dev.berth.cli.connect.Connected;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code berth logs SESSION [--follow]}: a session's commands, agent steps and their output. */
@Command(name = "logs", description = {"Show a session's commands, ttys, invocations and agent steps, with their output.",
        "--follow keeps streaming them as they happen."})
public final class LogsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "SESSION")
    String session;

    @Option(names = {"-f", "--follow"}, description = "Keep streaming new events and output (Ctrl+C to stop).")
    boolean follow;

    @Option(names = "--json", description = "Print the JSON lines as they come.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        try (InputStream in = Connected.of(spec).client().sessionLogs(session, follow)) {
            AuditCommand.eachLine(in, line -> {
                JsonNode n = Json.mapper().readTree(line);
                String type = n.path("type").asText();
                if (json) {
                    if (!type.equals("heartbeat")) {
                        System.out.println(line);
                        System.out.flush();
                    }
                } else if (type.equals("event")) {
                    AuditRecord e = Json.mapper().treeToValue(n.get("event"), AuditRecord.class);
                    AuditCommand.print(System.out, "▶ " + AuditCommand.describe(e) + "\n");
                } else if (type.equals("output")) {
                    java.io.PrintStream to = n.path("stream").asText().equals("stderr") ? System.err : System.out;
                    if (n.has("base64")) { // output that is not UTF-8 comes as it was, in base64
                        to.write(java.util.Base64.getDecoder().decode(n.get("base64").asText()));
                        to.flush();
                    } else {
                        AuditCommand.print(to, n.path("text").asText());
                    }
                }
            });
        }
        return 0;
    }
}
