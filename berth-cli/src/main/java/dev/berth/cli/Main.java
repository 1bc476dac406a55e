package dev.berth.cli;

import dev.berth.cli.commands.AotTrainCommand;
import dev.berth.cli.commands.ArenaCommand;
import dev.berth.cli.commands.AttachCommand;
import dev.berth.cli.commands.AuditCommand;
import dev.berth.cli.commands.CommandCommand;
import dev.berth.cli.commands.DownCommand;
import dev.berth.cli.commands.ExecCommand;
import dev.berth.cli.commands.InvokeCommand;
import dev.berth.cli.commands.LoginCommand;
import dev.berth.cli.commands.LogoutCommand;
import dev.berth.cli.commands.LogsCommand;
import dev.berth.cli.commands.RunCommand;
import dev.berth.cli.commands.RuntimeCommand;
import dev.berth.cli.commands.SecretCommand;
import dev.berth.cli.commands.ServeCommand;
import dev.berth.cli.commands.SessionCommand;
import dev.berth.cli.commands.StatusCommand;
import dev.berth.cli.commands.TokenCommand;
import dev.berth.cli.commands.TtyCommand;
import dev.berth.cli.commands.UpCommand;
import dev.berth.cli.commands.UsageCommand;
import dev.berth.cli.connect.Connected;
import dev.berth.cli.connect.ConnectionOptions;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code berth}: nouns and verbs over the same HTTP API every client uses. */
@Command(name = "berth",
        mixinStandardHelpOptions = true,
        scope = CommandLine.ScopeType.INHERIT,
        versionProvider = Main.Version.class,
        description = "Berth: a self-hosted runtime for autonomous coding agents.%n"
                + "Sessions are isolated sandboxes with a persistent workspace at /mnt/workspace.",
        footer = {"", "Exit status: run, attach and exec exit with the command's status (128+N for signal N);",
                "125 when Berth itself failed; other commands 0 on success, 1 on error, 2 on bad usage."})
public final class Main implements Runnable, Connected {
    /** Every subcommand, in the order {@code --help} lists them. */
    static final List<Class<?>> SUBCOMMANDS = List.of(
            ServeCommand.class, UpCommand.class, DownCommand.class, StatusCommand.class,
            SessionCommand.class, RuntimeCommand.class, InvokeCommand.class, ArenaCommand.class, TokenCommand.class, SecretCommand.class, AuditCommand.class, UsageCommand.class,
            LogsCommand.class, RunCommand.class, ExecCommand.class, TtyCommand.class, AttachCommand.class, CommandCommand.class,
            AotTrainCommand.class, LoginCommand.class, LogoutCommand.class, CommandLine.HelpCommand.class,
            picocli.AutoComplete.GenerateCompletion.class);
    /** The subcommands that speak about all the others. */
    private static final Set<String> NEEDS_ALL = Set.of("help", "generate-completion");

    @Mixin
    ConnectionOptions connection;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            // answered before picocli builds its model of every command: most of a CLI call's start-up
            System.out.println(new Version().getVersion()[0]);
            return;
        }
        System.exit(run(args));
    }

    public static int run(String... args) {
        Main main = new Main();
        CommandLine cli = commandLine(main, args);
        cli.setExecutionExceptionHandler(new ErrorReporter());
        try {
            return cli.execute(args);
        } finally {
            main.connection.close();
        }
    }

    /** The command line that will parse {@code args}, with {@link #subcommandsFor the subcommands they need}. */
    public static CommandLine commandLine(Main main, String... args) {
        CommandLine cli = new CommandLine(main);
        // "@FILE" is a payload for `invoke --data`, not picocli's argument file (which would split it into words)
        cli.setExpandAtFiles(false);
        subcommandsFor(args).forEach(cli::addSubcommand);
        return cli;
    }

    /**
     * The subcommands named in {@code args}, or all of them when none is (plain {@code --help}, a
     * typo) or one that lists the others is. picocli reflects over each registered command's
     * annotations before parsing anything; modelling only the invoked one saves a CLI call, and
     * every server start, a good part of its start-up.
     */
    static List<Class<?>> subcommandsFor(String... args) {
        Set<String> words = new HashSet<>();
        for (String a : args) {
            if (a.equals("--")) {
                break; // the rest is the sandboxed command's
            }
            words.add(a);
        }
        List<Class<?>> named = SUBCOMMANDS.stream()
                .filter(c -> words.contains(c.getAnnotation(Command.class).name())).toList();
        boolean all = named.isEmpty() || words.stream().anyMatch(NEEDS_ALL::contains);
        return all ? SUBCOMMANDS : named;
    }

    @Override
    public ConnectionOptions connection() {
        return connection;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The version, from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"berth " + (v == null ? "0.1.0-SNAPSHOT" : v)};
        }
    }
}
