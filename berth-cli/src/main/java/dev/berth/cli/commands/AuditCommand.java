package dev.berth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import dev.berth.api.model.AuditRecord;
import dev.berth.api.model.AuditVerification;
import dev.berth.cli.connect.Connected;
import dev.berth.cli.input.DurationConverter;
import dev.berth.cli.input.TimeConverter;
import dev.berth.cli.output.JsonOut;
import dev.berth.cli.output.Table;
import dev.berth.cli.replay.AsciicastPlayer;
import dev.berth.cli.replay.Sleeper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code berth audit ls|verify|replay}: the audit trail (auditors and admins). */
@Command(name = "audit", description = "Read the audit trail: who did what, in which session, touching what (auditors and admins).",
        subcommands = {AuditCommand.Ls.class, AuditCommand.Verify.class, AuditCommand.Replay.class})
public final class AuditCommand {

    @Command(name = "ls", aliases = "list", description = "List audit events, oldest first; --follow streams new ones as they happen.")
    static final class Ls implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--session", paramLabel = "ID", description = "Only this session's events.")
        String session;

        @Option(names = "--user", paramLabel = "NAME", description = "Only this principal's events.")
        String user;

        @Option(names = "--action", paramLabel = "PREFIX", description = "Only actions starting so, e.g. command. or session.create.")
        String action;

        @Option(names = "--since", paramLabel = "TIME", converter = TimeConverter.class,
                description = "From this time: 2026-12-01T10:00:00Z, or a time ago such as 2h.")
        Instant since;

        @Option(names = "--until", paramLabel = "TIME", converter = TimeConverter.class, description = "Before this time.")
        Instant until;

        @Option(names = "--limit", paramLabel = "N", description = "Only the newest N matches (default 1000; 0 for all).")
        int limit = 1000;

        @Option(names = {"-f", "--follow"}, description = "Keep printing events as they happen (Ctrl+C to stop).")
        boolean follow;

        @Option(names = "--json", description = "Print JSON (with --follow: one event per line).")
        boolean json;

        @Override
        public Integer call() throws IOException {
            Map<String, String> q = new LinkedHashMap<>();
            q.put("session", session);
            q.put("user", user);
            q.put("action", action);
            q.put("since", since == null ? null : since.toString());
            q.put("until", until == null ? null : until.toString());
            q.put("limit", limit == 0 ? null : Integer.toString(limit));
            var client = Connected.of(spec).client();
            if (follow) {
                try (InputStream in = client.followAudit(q)) {
                    eachLine(in, line -> {
                        JsonNode n = Json.mapper().readTree(line);
                        if (!"heartbeat".equals(n.path("type").asText())) {
                            System.out.println(json ? line : describe(Json.mapper().treeToValue(n, AuditRecord.class)));
                            System.out.flush();
                        }
                    });
                }
                return 0;
            }
            List<AuditRecord> events = client.audit(q);
            if (json) {
                JsonOut.print(System.out, events);
                return 0;
            }
            Table t = new Table("SEQ", "TIME", "USER", "VIA", "SOURCE", "ACTION", "SESSION", "RESOURCE", "OUTCOME", "DETAILS");
            for (AuditRecord e : events) {
                t.row(e.seq(), e.time(), e.principal(), e.authMethod(), e.source(), e.action(), e.session(), e.resource(),
                        e.outcome(), details(e));
            }
            t.print(System.out);
            return 0;
        }
    }

    @Command(name = "verify", description = {"Check the audit chain: every event's hash, the order, and the signed checkpoints.",
            "Exit 0 if intact; 1 with the first problem (file, line, seq) if anything was edited, deleted or reordered."})
    static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            AuditVerification v = Connected.of(spec).client().verifyAudit();
            if (json) {
                JsonOut.print(System.out, v);
            } else if (v.ok()) {
                System.out.println("audit trail intact: " + v.eventsChecked() + " events, " + v.checkpointsChecked()
                        + " signed checkpoints");
            } else {
                var p = v.problem();
                System.out.println("audit trail BROKEN at " + p.file() + " line " + p.line() + " (seq " + p.seq() + "): "
                        + p.kind() + ": " + p.message());
            }
            return v.ok() ? 0 : 1;
        }
    }

    @Command(name = "replay", description = "Play a recorded terminal (asciicast v2) as it happened.")
    static final class Replay implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "TTY_ID", description = "The terminal's command id (see audit ls --action tty.open).")
        String id;

        @Option(names = "--speed", paramLabel = "X", description = "Play X times as fast (default 1).")
        double speed = 1.0;

        @Option(names = {"-i", "--idle-limit"}, paramLabel = "DURATION", converter = DurationConverter.class,
                description = "Cap pauses at this long, e.g. 2s.")
        Duration idleLimit;

        @Option(names = "--raw", description = "Print the output at once, without the pauses.")
        boolean raw;

        @Option(names = "--cast", description = "Print the asciicast file itself (for asciinema play or any player).")
        boolean cast;

        @Override
        public Integer call() throws IOException, InterruptedException {
            if (!(speed > 0)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--speed must be positive");
            }
            try (InputStream in = Connected.of(spec).client().ttyRecording(id)) {
                if (cast) {
                    in.transferTo(System.out);
                } else {
                    new AsciicastPlayer(new AsciicastPlayer.Options(speed, idleLimit, raw), Sleeper.realTime())
                            .play(in, System.out);
                }
            }
            System.out.flush();
            return 0;
        }
    }

    static String describe(AuditRecord e) {
        return e.time() + " #" + e.seq() + " " + e.principal() + " " + e.action() + " " + (e.session() == null ? "-" : e.session())
                + " " + (e.resource() == null ? "-" : e.resource()) + " " + e.outcome()
                + (e.details().isEmpty() ? "" : " " + details(e));
    }

    static String details(AuditRecord e) {
        try {
            return e.details().isEmpty() ? "" : Json.mapper().writeValueAsString(e.details());
        } catch (IOException x) {
            return e.details().toString();
        }
    }

    @FunctionalInterface
    interface LineHandler {
        void line(String line) throws IOException;
    }

    static void eachLine(InputStream in, LineHandler handler) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        for (String line; (line = r.readLine()) != null; ) {
            if (!line.isBlank()) {
                handler.line(line);
            }
        }
    }

    static void print(PrintStream out, String s) {
        out.print(s);
        out.flush();
    }
}
