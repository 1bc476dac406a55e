package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.cli.commands.RunCommand;
import dev.berth.cli.commands.ServeCommand;
import dev.berth.cli.commands.SessionCommand;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Only the invoked subcommand is modelled, and every way of asking about all of them still sees all. */
class MainTest {
    @Test
    void theInvokedSubcommandAlone() {
        assertThat(Main.subcommandsFor("--home", "/d", "serve", "--listen", ":0")).containsExactly(ServeCommand.class);
        assertThat(Main.subcommandsFor("session", "ls", "--json")).containsExactly(SessionCommand.class);
        // words after -- belong to the sandboxed command
        assertThat(Main.subcommandsFor("run", "demo", "--", "berth", "serve")).containsExactly(RunCommand.class);
    }

    @Test
    void allOfThemWhenNoneIsNamedOrHelpIsAsked() {
        assertThat(Main.subcommandsFor()).isEqualTo(Main.SUBCOMMANDS);
        assertThat(Main.subcommandsFor("--help")).isEqualTo(Main.SUBCOMMANDS);
        assertThat(Main.subcommandsFor("sesion", "ls")).isEqualTo(Main.SUBCOMMANDS); // a typo gets picocli's suggestions
        assertThat(Main.subcommandsFor("help", "serve")).isEqualTo(Main.SUBCOMMANDS);
        assertThat(Main.subcommandsFor("generate-completion")).isEqualTo(Main.SUBCOMMANDS);
    }

    @Test
    void usageListsEverySubcommandAndNestedOnesStillParse() {
        String usage = Main.commandLine(new Main(), "--help").getUsageMessage();
        for (Class<?> c : Main.SUBCOMMANDS) {
            CommandLine.Command command = c.getAnnotation(CommandLine.Command.class);
            if (!command.hidden()) {
                assertThat(usage).contains(command.name());
            }
        }
        String[] args = {"session", "create", "demo", "--memory", "1g"};
        CommandLine.ParseResult parsed = Main.commandLine(new Main(), args).parseArgs(args);
        assertThat(parsed.subcommand().subcommand().commandSpec().name()).isEqualTo("create");
    }
}
