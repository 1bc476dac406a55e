package dev.berth.cli.commands;

import dev.berth.api.Json;
import dev.berth.api.client.BerthClient;
import dev.berth.api.model.ArenaInfo;
import dev.berth.api.model.ArenaRequest;
import dev.berth.cli.arena.ArenaProgress;
import dev.berth.cli.arena.ArenaSource;
import dev.berth.cli.arena.GitBranch;
import dev.berth.cli.connect.Connected;
import dev.berth.cli.input.DurationConverter;
import dev.berth.cli.output.JsonOut;
import dev.berth.cli.output.Table;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code berth arena run|ls|show|export|stop}. */
@Command(name = "arena", description = "Run N agents side by side on one task, each in its own fork of one workspace, and compare them.",
        subcommands = {ArenaCommand.Run.class, ArenaCommand.Ls.class, ArenaCommand.Show.class, ArenaCommand.Export.class,
                ArenaCommand.Stop.class})
public final class ArenaCommand {

    @Command(name = "run", description = {"Start an arena and follow it: every agent gets a fork of --from, has turns on",
            "the task until --check passes (exit 0) after one of them, or it runs out of iterations, time or budget.",
            "The arena runs on the server: Ctrl+C only stops following (see `berth arena show`).",
            "Exit status: 0 when an agent passed, 1 when none did."})
    static final class Run implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--task", paramLabel = "TASK.md", required = true, description = "The file whose text every agent is asked.")
        Path task;

        @Option(names = "--from", paramLabel = "SESSION|DIR|GIT-URL", required = true,
                description = "What every agent starts from: a session's workspace, or a directory (a path: ./dir) or git repository of this machine's (uploaded into a new session).")
        String from;

        @Option(names = "--check", paramLabel = "CMD", required = true, description = "The shell command (run in the agent's workspace after each turn) whose exit 0 means done, e.g. 'npm test'.")
        String check;

        @Option(names = "--agent", paramLabel = "NAME=HARNESS[:MODEL]", required = true,
                description = "An agent (repeatable): its name, a runtime deployed with --harness (or a harness name: its newest such runtime), and optionally its model.")
        List<String> agents;

        @Option(names = "--max-iterations", paramLabel = "K", description = "Turns each agent gets (default 5).")
        Integer maxIterations;

        @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class, description = "Wall time each agent gets, e.g. 10m (default 30m).")
        Duration timeout;

        @Option(names = "--budget", paramLabel = "USD", description = "Model spending each agent gets, in US dollars (the gateway refuses its calls beyond it).")
        BigDecimal budget;

        @Option(names = "--detach", description = "Start it and print its id; do not follow.")
        boolean detach;

        @Option(names = "--json", description = "Print the results as JSON (no progress lines).")
        boolean json;

        @Option(names = "--html", paramLabel = "FILE", description = "Also write the results as a self-contained HTML page.")
        Path html;

        @Option(names = "--save", paramLabel = "DIR", description = "Also save the results in DIR as ARENA.json and ARENA.html.")
        Path save;

        @Override
        public Integer call() throws IOException {
            List<ArenaRequest.ArenaAgent> parsed = new ArrayList<>();
            for (String a : agents) {
                parsed.add(agent(a));
            }
            String text = Files.readString(task, StandardCharsets.UTF_8);
            BerthClient client = Connected.of(spec).client();
            ArenaInfo started;
            try (ArenaSource source = ArenaSource.of(client, from)) {
                started = client.startArena(new ArenaRequest(text, check, source.session(), parsed, maxIterations,
                        timeout == null ? null : timeout.toSeconds(), budget));
            }
            if (detach) {
                System.out.println(started.id());
                return 0;
            }
            ArenaInfo done;
            if (json) {
                try (InputStream in = client.followArena(started.id())) {
                    in.transferTo(java.io.OutputStream.nullOutputStream());
                }
                done = client.arena(started.id());
                JsonOut.print(System.out, done);
            } else {
                System.err.println("arena " + started.id() + ": " + started.agents().size() + " agents"
                        + " (it runs on the server: Ctrl+C stops following, `berth arena show " + started.id() + "` shows it)");
                try (InputStream in = client.followArena(started.id())) {
                    new ArenaProgress(System.err, System.console() != null && System.console().isTerminal()).follow(in, started);
                }
                done = client.arena(started.id());
                ArenaProgress.table(System.out, done);
            }
            write(client, done, html, save);
            return done.winner() == null ? 1 : 0;
        }

        private ArenaRequest.ArenaAgent agent(String a) {
            int eq = a.indexOf('=');
            if (eq <= 0 || eq == a.length() - 1) {
                throw new ParameterException(spec.commandLine(), "--agent must be NAME=HARNESS[:MODEL], not " + a);
            }
            String rest = a.substring(eq + 1);
            int colon = rest.indexOf(':');
            return colon < 0 ? new ArenaRequest.ArenaAgent(a.substring(0, eq), rest, null)
                    : new ArenaRequest.ArenaAgent(a.substring(0, eq), rest.substring(0, colon), rest.substring(colon + 1));
        }
    }

    /** The HTML page to {@code html}, and both JSON and HTML into {@code dir}, where asked. */
    static void write(BerthClient client, ArenaInfo a, Path html, Path dir) throws IOException {
        String page = html == null && dir == null ? null : client.arenaReport(a.id());
        if (html != null) {
            Files.writeString(html, page, StandardCharsets.UTF_8);
        }
        if (dir != null) {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(a.id() + ".html"), page, StandardCharsets.UTF_8);
            Files.write(dir.resolve(a.id() + ".json"), Json.mapper().writerWithDefaultPrettyPrinter()
                    .writeValueAsBytes(a));
        }
    }

    @Command(name = "ls", aliases = "list", description = "List arenas, newest first.")
    static final class Ls implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--json", description = "Print JSON (for scripts).")
        boolean json;

        @Override
        public Integer call() {
            List<ArenaInfo> all = Connected.of(spec).client().arenas();
            if (json) {
                JsonOut.print(System.out, all);
                return 0;
            }
            Table t = new Table("ID", "OWNER", "STATE", "CREATED", "AGENTS", "WINNER", "CHECK");
            for (ArenaInfo a : all) {
                t.row(a.id(), a.owner(), a.state(), a.createdAt(), a.agents().size(), a.winner(), a.check());
            }
            t.print(System.out);
            return 0;
        }
    }

    abstract static class OneArena implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ARENA", description = "The arena's id.")
        String id;
    }

    @Command(name = "show", description = "Show an arena's results (or progress, while it runs).")
    static final class Show extends OneArena {
        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Option(names = "--html", paramLabel = "FILE", description = "Write the results as a self-contained HTML page.")
        Path html;

        @Option(names = "--save", paramLabel = "DIR", description = "Save the results in DIR as ARENA.json and ARENA.html.")
        Path save;

        @Override
        public Integer call() throws IOException {
            BerthClient client = Connected.of(spec).client();
            ArenaInfo a = client.arena(id);
            if (json) {
                JsonOut.print(System.out, a);
            } else {
                ArenaProgress.table(System.out, a);
            }
            write(client, a, html, save);
            return 0;
        }
    }

    @Command(name = "export", description = {"Export what an agent changed (the winner, unless --agent): as a patch,",
            "or as a new branch of a local git repository, made from its HEAD (the work tree is not touched)."})
    static final class Export extends OneArena {
        @Option(names = "--agent", paramLabel = "NAME", description = "Which agent (default: the winner).")
        String agent;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        static final class Target {
            @Option(names = "--patch", paramLabel = "FILE", required = true, description = "Write a patch (`git apply` takes it); - for stdout.")
            String patch;

            @Option(names = "--branch", paramLabel = "NAME", required = true, description = "Make a branch of the repository at --repo.")
            String branch;
        }

        @Option(names = "--repo", paramLabel = "DIR", description = "The git repository for --branch (default: the current directory).")
        Path repo;

        @Override
        public Integer call() throws IOException {
            BerthClient client = Connected.of(spec).client();
            String who = agent;
            if (who == null) {
                ArenaInfo a = client.arena(id);
                if (a.winner() == null) {
                    throw new ParameterException(spec.commandLine(), "arena " + id + " has no winner (" + a.state()
                            + "): name an agent with --agent");
                }
                who = a.winner();
            }
            String patch = client.arenaPatch(id, who);
            if (target.patch != null) {
                if (target.patch.equals("-")) {
                    System.out.print(patch);
                } else {
                    Files.writeString(Path.of(target.patch), patch, StandardCharsets.UTF_8);
                    System.err.println(who + "'s changes written to " + target.patch);
                }
                return 0;
            }
            String commit = GitBranch.create(repo == null ? Path.of(".") : repo, target.branch, patch,
                    "arena " + id + ": " + who + "'s changes");
            System.out.println(target.branch + " " + commit);
            return 0;
        }
    }

    @Command(name = "stop", description = "Stop the agents still running (they end as stopped; results so far stay).")
    static final class Stop extends OneArena {
        @Override
        public Integer call() {
            ArenaInfo a = Connected.of(spec).client().stopArena(id);
            System.out.println(a.id() + " stopping");
            return 0;
        }
    }
}
