package dev.berth.cli.commands;

import dev.berth.api.client.BerthClient;
import dev.berth.api.model.CommandInfo;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.stream.StreamFrame;
import dev.berth.cli.connect.Connected;
import dev.berth.cli.output.StreamPrinter;
import java.io.IOException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code berth run SESSION -- CMD...}: a direct command, streamed, with the command's exit status. */
@Command(name = "run", description = "Run a command in a session (resuming it if stopped), stream its output and exit with its status.")
public final class RunCommand implements Callable<Integer>, ExitCodes.PassesThrough {
    @Spec
    CommandSpec spec;

    @Option(names = {"-d", "--detach"}, description = "Start the command and print only its id.")
    boolean detach;

    @Option(names = {"-i", "--stdin"}, description = "Send this process's standard input to the command.")
    boolean stdin;

    @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE", description = "Environment variable (repeatable).")
    Map<String, String> env;

    @Option(names = {"-w", "--cwd"}, paramLabel = "DIR", description = "Working directory inside the sandbox (default /mnt/workspace).")
    String cwd;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "End the command (TERM, then KILL) after this long.")
    Long timeout;

    @Parameters(index = "0", paramLabel = "SESSION")
    String session;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", description = "The command and its arguments (after --).")
    List<String> argv;

    @Override
    public Integer call() throws IOException, InterruptedException {
        BerthClient client = Connected.of(spec).client();
        CommandRequest request = new CommandRequest(null, argv, env, cwd, null, stdin ? stdinBase64() : null, timeout, null);
        if (detach) {
            CommandInfo c = client.startCommand(session, request);
            System.out.println(c.id());
            return 0;
        }
        return stream(client, session, request);
    }

    /** This process's whole standard input, for a command's stdin. */
    static String stdinBase64() throws IOException {
        return Base64.getEncoder().encodeToString(System.in.readAllBytes());
    }

    /** Runs the command, prints its output (re-attaching after a break) and returns its exit status. */
    static int stream(BerthClient client, String session, CommandRequest request) throws InterruptedException {
        StreamPrinter printer = new StreamPrinter(System.err, 0);
        StreamFrame.Exit exit = printer.print(client.runCommand(session, request), client, session,
                offset -> client.output(session, printer.commandId(), offset));
        return exit.status().shellStatus();
    }
}
