package dev.berth.cli.commands;

import dev.berth.api.model.CreateSessionRequest;
import dev.berth.api.model.Egress;
import dev.berth.api.model.ForkRequest;
import dev.berth.api.model.Limits;
import dev.berth.api.model.SessionInfo;
import dev.berth.api.model.SessionState;
import dev.berth.cli.connect.Connected;
import dev.berth.cli.input.DurationConverter;
import dev.berth.cli.input.SizeConverter;
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

/** {@code berth session create|ls|show|stop|fork|rm|share|unshare}. */
@Command(name = "session", description = "Manage sessions: isolated sandboxes with a persistent workspace.",
        subcommands = {SessionCommand.Create.class, SessionCommand.Ls.class, SessionCommand.Show.class,
                SessionCommand.Stop.class, SessionCommand.Fork.class, SessionCommand.Rm.class, SessionCommand.Share.class, SessionCommand.Unshare.class})
public final class SessionCommand {

    @Command(name = "create", description = "Create a session and start its sandbox.")
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "0..1", paramLabel = "ID", description = "Session id ([a-z0-9][a-z0-9-]{0,62}); generated if omitted.")
        String id;

        @Option(names = "--memory", paramLabel = "SIZE", converter = SizeConverter.class, description = "Memory limit, e.g. 512m or 2g.")
        Long memory;

        @Option(names = "--cpus", paramLabel = "N", description = "CPU limit in cores, e.g. 0.5.")
        Double cpus;

        @Option(names = "--pids", paramLabel = "N", description = "Maximum number of processes.")
        Integer pids;

        @Option(names = "--disk", paramLabel = "SIZE", converter = SizeConverter.class,
                description = "Size of the workspace's own file system, e.g. 5g; writing past it fails with ENOSPC in this session only. 0: no quota. Default: the server's (10g).")
        Long disk;

        @Option(names = "--idle-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "Stop the session after this long without activity or running command, e.g. 30m; 0: never. Default: the server's (15m).")
        Duration idleTimeout;

        @Option(names = "--retention", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "Reclaim the workspace after this long without activity, e.g. 3d; at most the server's (14d).")
        Duration retention;

        @Option(names = "--max-lifetime", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "End the session (processes and workspace) this long after creation, e.g. 8h; at most the server's (90d).")
        Duration maxLifetime;

        @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE", description = "Environment variable for every command (repeatable).")
        Map<String, String> env;

        @Option(names = "--runtime", paramLabel = "NAME[@VERSION]", description = "Start from a deployed runtime: its root filesystem, env and working dir, with its entrypoint running as the session's agent (default version: the newest).")
        String runtime;

        @Option(names = "--allow-domain", paramLabel = "HOST[:PORT]", description = "Let the sandbox reach this host (or *.domain) through the gateway's HTTPS proxy; port 443 unless given (repeatable).")
        List<String> allowDomains;

        @Option(names = "--allow-cidr", paramLabel = "CIDR[:PORT[-PORT]][/udp]", description = "Let the sandbox connect directly to these addresses over routed networking (repeatable; any turns routed networking on).")
        List<String> allowCidrs;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            Limits limits = new Limits(memory, cpus, pids, disk);
            Egress egress = allowDomains == null && allowCidrs == null ? null : new Egress(allowDomains, allowCidrs);
            SessionInfo s = Connected.of(spec).client().createSession(new CreateSessionRequest(id, env, limits,
                    seconds(idleTimeout), seconds(retention), seconds(maxLifetime), runtime, egress));
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
            Table t = new Table("ID", "OWNER", "STATE", "RUNTIME", "AGENT", "LAST ACTIVITY", "IDLE STOP", "WORKSPACE RECLAIMED", "DISK",
                    "MEMORY", "CPUS", "WHY");
            Instant now = Instant.now();
            for (SessionInfo s : sessions) {
                t.row(s.id(), s.owner(), s.state().wire(), s.runtime(), agent(s), ago(now, s.lastActivityAt()), in(now, s.idleStopAt()),
                        s.state() == SessionState.EXPIRED ? "reclaimed" : in(now, s.reclaimAt()), disk(s),
                        s.limits().memoryBytes() == null ? null : Sizes.format(s.limits().memoryBytes()),
                        s.limits().cpus() == null ? "max" : s.limits().cpus(), s.stateReason());
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

    @Command(name = "fork", description = {
            "Make new sessions whose workspaces are copies of SRC's at one instant, with its runtime, env, limits,"
                    + " egress and timeouts; you own them. SRC may be running (its writes pause during the copy) or stopped.",
            "Prints the new sessions' ids, one a line."})
    static final class Fork implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "SRC", description = "The session to copy.")
        String source;

        @Parameters(index = "1", paramLabel = "NEW", description = "The new session's id; with --count N the copies are NEW-1 … NEW-N.")
        String id;

        @Option(names = "--count", paramLabel = "N", description = "How many copies, 1 to 64 (default 1), all of the same instant.")
        Integer count;

        @Option(names = "--json", description = "Print the new sessions as JSON.")
        boolean json;

        @Override
        public Integer call() {
            List<SessionInfo> made = Connected.of(spec).client().forkSession(source, new ForkRequest(id, count));
            if (json) {
                JsonOut.print(System.out, made);
            } else {
                made.forEach(s -> System.out.println(s.id()));
            }
            return 0;
        }
    }

    /** {@code share} and {@code unshare}: the users and groups named. */
    abstract static class Sharing extends OneSession {
        @Option(names = "--user", paramLabel = "NAME", description = "A user (repeatable).")
        List<String> users;

        @Option(names = "--group", paramLabel = "NAME", description = "A group (repeatable).")
        List<String> groups;

        Integer change(boolean add) {
            if ((users == null || users.isEmpty()) && (groups == null || groups.isEmpty())) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name at least one --user or --group");
            }
            SessionInfo s = Connected.of(spec).client().share(id, new dev.berth.api.model.ShareRequest(users, groups), add);
            System.out.println(id + " shared with: " + (s.sharedWith().isEmpty() ? "nobody" : String.join(", ", s.sharedWith())));
            return 0;
        }
    }

    @Command(name = "share", description = "Let other users or groups use a session (its owner, operators and admins may).")
    static final class Share extends Sharing {
        @Override
        public Integer call() {
            return change(true);
        }
    }

    @Command(name = "unshare", description = "Stop sharing a session with users or groups.")
    static final class Unshare extends Sharing {
        @Override
        public Integer call() {
            return change(false);
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
        return then == null ? null : rough(Duration.between(then, now)) + " ago";
    }

    static String in(Instant now, Instant then) {
        return then == null ? null : "in " + rough(Duration.between(now, then));
    }

    private static String rough(Duration d) {
        if (d.isNegative()) {
            d = Duration.ZERO; // due now: the reaper is on it
        }
        if (d.toSeconds() < 60) {
            return d.toSeconds() + "s";
        }
        if (d.toMinutes() < 60) {
            return d.toMinutes() + "m";
        }
        if (d.toHours() < 48) {
            return d.toHours() + "h";
        }
        return d.toDays() + "d";
    }

    /** The agent's health, with its restarts and why when it is not well. */
    private static String agent(SessionInfo s) {
        if (s.agent() == null) {
            return null;
        }
        String a = s.agent().status() + (s.agent().restarts() > 0 ? " (" + s.agent().restarts() + " restarts)" : "");
        boolean unwell = !"healthy".equals(s.agent().status()) && !"busy".equals(s.agent().status());
        return unwell && s.agent().detail() != null ? a + ": " + s.agent().detail() : a;
    }

    private static String disk(SessionInfo s) {
        Long quota = s.limits().diskBytes();
        if (quota == null || quota == 0) {
            return "no quota";
        }
        return (s.diskUsedBytes() == null ? "-" : Sizes.format(s.diskUsedBytes())) + "/" + Sizes.format(quota);
    }

    private static Long seconds(Duration d) {
        return d == null ? null : d.toSeconds();
    }
}
