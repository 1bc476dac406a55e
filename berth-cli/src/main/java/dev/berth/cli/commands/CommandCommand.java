package dev.berth.cli.commands;

import dev.berth.api.model.CommandInfo;
import dev.berth.api.model.ExitStatus;
import dev.berth.cli.connect.Connected;
import dev.berth.cli.output.JsonOut;
import dev.berth.cli.output.Sizes;
import dev.berth.cli.output.Table;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code berth command ls|show|kill}. */
@Command(name = "command", description = "Inspect and signal the commands of a session.",
        subcommands = {CommandCommand.Ls.class, CommandCommand.Show.class, CommandCommand.Kill.class})
public final class CommandCommand {

    @Command(name = "ls", aliases = "list", description = "List a session's commands and their states.")
    static final class Ls implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "SESSION")
        String session;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            List<CommandInfo> commands = Connected.of(spec).client().listCommands(session);
            if (json) {
                JsonOut.print(System.out, commands);
                return 0;
            }
            Table t = new Table("ID", "STATE", "EXIT", "STARTED", "OUTPUT", "COMMAND");
            Instant now = Instant.now();
            for (CommandInfo c : commands) {
                t.row(c.id(), c.state().wire(), exit(c.exit()), SessionCommand.ago(now, c.startedAt()),
                        Sizes.format(c.endOffset()), String.join(" ", c.argv()));
            }
            t.print(System.out);
            return 0;
        }

        private static String exit(ExitStatus e) {
            if (e == null) {
                return null;
            }
            String s = e.code() != null ? Integer.toString(e.code()) : "signal " + e.signal();
            return e.timedOut() ? s + " (timeout)" : s;
        }
    }

    @Command(name = "show", description = "Show one command as JSON.")
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        CommandRef ref;

        @Override
        public Integer call() {
            JsonOut.print(System.out, Connected.of(spec).client().command(ref.session, ref.commandId));
            return 0;
        }
    }

    @Command(name = "kill", description = "Send a signal to a command's process group.")
    static final class Kill implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        CommandRef ref;

        @Option(names = {"-s", "--signal"}, defaultValue = "TERM", description = "Signal name or number (default ${DEFAULT-VALUE}).")
        String signal;

        @Override
        public Integer call() {
            Connected.of(spec).client().signal(ref.session, ref.commandId, signal);
            return 0;
        }
    }
}
