package dev.berth.cli.commands;

import dev.berth.api.model.CommandInfo;
import dev.berth.api.model.CommandState;
import dev.berth.cli.connect.Connected;
import dev.berth.cli.output.JsonOut;
import dev.berth.cli.output.Sizes;
import dev.berth.cli.output.Table;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code berth tty ls SESSION}: the terminal programs running in a session, to come back to. */
@Command(name = "tty", description = "The terminal programs of a session (berth exec).", subcommands = TtyCommand.Ls.class)
public final class TtyCommand {

    @Command(name = "ls", aliases = "list",
            description = "List a session's running terminal programs; attach with: berth exec --it SESSION --tty ID.")
    static final class Ls implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "SESSION")
        String session;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            List<CommandInfo> ttys = Connected.of(spec).client().listCommands(session).stream()
                    .filter(c -> c.tty() && c.state() == CommandState.RUNNING).toList();
            if (json) {
                JsonOut.print(System.out, ttys);
                return 0;
            }
            Table t = new Table("ID", "STARTED", "OUTPUT", "PROGRAM");
            Instant now = Instant.now();
            for (CommandInfo c : ttys) {
                t.row(c.id(), SessionCommand.ago(now, c.startedAt()), Sizes.format(c.endOffset()), String.join(" ", c.argv()));
            }
            t.print(System.out);
            return 0;
        }
    }
}
