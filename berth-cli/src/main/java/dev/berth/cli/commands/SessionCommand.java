package dev.berth.cli.commands;

import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.Limits;
import dev.berth.api.model.SessionInfo;
import dev.berth.cli.connect.Connected;
import dev.berth.cli.output.JsonOut;
import dev.berth.cli.output.Sizes;
import dev.berth.cli.output.Table;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code berth session create|ls|show|stop|rm}. */
@Command(name = "session", description = "Manage sessions: isolated sandboxes with a persistent workspace.",
        subcommands = {SessionCommand.Create.class, SessionCommand.Ls.class, SessionCommand.Show.class,
                SessionCommand.Stop.class, SessionCommand.Rm.class})
public final class SessionCommand {

    @Command(name = "create", description = "Create a session and start its sandbox.")
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "0..1", paramLabel = "ID", description = "Session id ([a-z0-9][a-z0-9-]{0,62}); generated if omitted.")
        String id;

        @Option(names = "--memory", paramLabel = "SIZE", description = "Memory limit, e.g. 512m or 2g.")
        String memory;

        @Option(names = "--cpus", paramLabel = "N", description = "CPU limit in cores, e.g. 0.5.")
        Double cpus;

        @Option(names = "--pids", paramLabel = "N", description = "Maximum number of processes.")
        Integer pids;

        @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE", description = "Environment variable for every command (repeatable).")
        Map<String, String> env;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            Limits limits = new Limits(memory == null ? null : Sizes.parse(memory), cpus, pids);
            SessionInfo s = Connected.of(spec).client().createSession(new CreateSessionRequest(id, env, limits));
            if (json) {
                JsonOut.print(System.out, s);
            } else {
                System.out.println(s.id());
            }
            return 0;
        }
    }

    @Command(name = "ls", aliases = "list", description = "List sessions.")
    static final class Ls implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--json", description = "Print JSON (for scripts).")
        boolean json;

        @Override
        public Integer call() {
            List<SessionInfo> sessions = Connected.of(spec).client().listSessions();
            if (json) {
                JsonOut.print(System.out, sessions);
                return 0;
            }
            Table t = new Table("ID", "STATE", "CREATED", "LAST ACTIVITY", "MEMORY", "CPUS", "PIDS");
            Instant now = Instant.now();
            for (SessionInfo s : sessions) {
                t.row(s.id(), s.state().wire(), ago(now, s.createdAt()), ago(now, s.lastActivityAt()),
                        s.limits().memoryBytes() == null ? null : Sizes.format(s.limits().memoryBytes()),
                        s.limits().cpus() == null ? "max" : s.limits().cpus(), s.limits().pids());
            }
            t.print(System.out);
            return 0;
        }
    }

    @Command(name = "show", description = "Show one session.")
    static final class Show extends OneSession {
        @Override
        public Integer call() {
            JsonOut.print(System.out, Connected.of(spec).client().session(id));
            return 0;
        }
    }

    @Command(name = "stop", description = "Stop a session: its sandbox and processes go, its workspace stays. Any later command resumes it.")
    static final class Stop extends OneSession {
        @Override
        public Integer call() {
            Connected.of(spec).client().stopSession(id);
            System.out.println(id);
            return 0;
        }
    }

    @Command(name = "rm", aliases = "delete", description = "Delete a session: its sandbox and its workspace.")
    static final class Rm implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ID", arity = "1..*")
        List<String> ids;

        @Override
        public Integer call() {
            var client = Connected.of(spec).client();
            for (String id : ids) {
                client.deleteSession(id);
                System.out.println(id);
            }
            return 0;
        }
    }

    /** A subcommand that acts on one session named by its id. */
    abstract static class OneSession implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ID")
        String id;
    }

    static String ago(Instant now, Instant then) {
        if (then == null) {
            return null;
        }
        Duration d = Duration.between(then, now);
        if (d.toSeconds() < 60) {
            return d.toSeconds() + "s ago";
        }
        if (d.toMinutes() < 60) {
            return d.toMinutes() + "m ago";
        }
        if (d.toHours() < 48) {
            return d.toHours() + "h ago";
        }
        return d.toDays() + "d ago";
    }
}
