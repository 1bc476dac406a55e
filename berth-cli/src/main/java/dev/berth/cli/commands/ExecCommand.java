package dev.berth.cli.commands;

import dev.berth.api.client.BerthClient;
import dev.berth.api.model.CommandInfo;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.Tty;
import dev.berth.cli.connect.Connected;
import dev.berth.cli.tty.TerminalSession;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code berth exec [--it] SESSION [-- CMD...]}: a program on a terminal in the session. With
 * {@code --it}, this terminal becomes that one (raw mode, size, keystrokes) until the program exits
 * or Ctrl+] detaches; the program lives on in the session either way. Without {@code -t}, it is
 * {@code berth run}.
 */
@Command(name = "exec", description = {"Run a program in a session on a terminal; with --it, interactively (Ctrl+] detaches).",
        "Default program: a login bash in /mnt/workspace. Exits with the program's status."})
public final class ExecCommand implements Callable<Integer>, ExitCodes.PassesThrough {
    /** Passed on so that colours, wide characters and the locale come out as they would locally. */
    private static final List<String> TERMINAL_ENV = List.of("TERM", "COLORTERM", "LANG", "LC_ALL", "LC_CTYPE");

    @Spec
    CommandSpec spec;

    @Option(names = "--it", description = "Interactive, on a terminal: the same as -i -t.")
    boolean it;

    @Option(names = {"-i", "--interactive"}, description = "Send this terminal's keystrokes.")
    boolean interactive;

    @Option(names = "-t", description = "Run the program on a terminal.")
    boolean tty;

    @Option(names = "--tty", paramLabel = "ID", description = "Re-attach to this terminal program (its id) instead of starting one.")
    String attachTo;

    @Option(names = "--detach-key", paramLabel = "KEY", defaultValue = "ctrl-]",
            description = "The key that detaches, leaving the program running: ctrl-A … ctrl-Z, ctrl-[ ctrl-\\ ctrl-] ctrl-^ ctrl-_, or none (default: ${DEFAULT-VALUE}).")
    String detachKey;

    @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE", description = "Environment variable (repeatable).")
    Map<String, String> env;

    @Option(names = {"-w", "--cwd"}, paramLabel = "DIR", description = "Working directory inside the sandbox (default /mnt/workspace).")
    String cwd;

    @Parameters(index = "0", paramLabel = "SESSION")
    String session;

    @Parameters(index = "1..*", paramLabel = "CMD", description = "The program and its arguments (after --).")
    List<String> argv;

    @Override
    public Integer call() throws IOException, InterruptedException {
        int detach = detachByte(); // a bad key is refused before anything starts
        BerthClient client = Connected.of(spec).client();
        boolean onTerminal = it || tty || attachTo != null;
        boolean typing = it || interactive || attachTo != null;
        if (!onTerminal) {
            return RunCommand.stream(client, session, new CommandRequest(null, program(), env, cwd, null,
                    interactive ? RunCommand.stdinBase64() : null, null, null));
        }
        if (!typing) { // -t alone: a terminal's output (colours, one stream), nothing typed
            CommandInfo c = client.startCommand(session, request(new Tty(24, 80)));
            return TerminalSession.follow(client, session, c.id(), 0, System.err);
        }
        try (Terminal terminal = TerminalBuilder.builder().system(true).nativeSignals(true).build()) {
            if (Terminal.TYPE_DUMB.equals(terminal.getType()) || Terminal.TYPE_DUMB_COLOR.equals(terminal.getType())) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "exec --it needs a terminal (standard input and output must be one); use `berth run` or `exec -t`");
            }
            String id = attachTo;
            if (id == null) {
                Size size = terminal.getSize();
                id = client.startCommand(session, request(new Tty(Math.max(1, size.getRows()), Math.max(1, size.getColumns()))))
                        .id();
            }
            return new TerminalSession(client, session, id, detach).run(terminal, 0);
        }
    }

    /** {@code ctrl-]} → 0x1d; {@code none} → -1. */
    private int detachByte() {
        String k = detachKey.toLowerCase(java.util.Locale.ROOT);
        if (k.equals("none")) {
            return -1;
        }
        if (k.length() == 6 && k.startsWith("ctrl-")) {
            char c = Character.toUpperCase(k.charAt(5));
            if (c >= '@' && c <= '_') {
                return c - '@';
            }
        }
        throw new CommandLine.ParameterException(spec.commandLine(),
                "--detach-key: give ctrl- and a letter or one of [ \\ ] ^ _ (e.g. ctrl-]), or none");
    }

    private CommandRequest request(Tty size) {
        Map<String, String> all = new HashMap<>();
        for (String name : TERMINAL_ENV) {
            String v = System.getenv(name);
            if (v != null && !v.isBlank()) {
                all.put(name, v);
            }
        }
        all.putIfAbsent("TERM", "xterm-256color");
        if (env != null) {
            all.putAll(env);
        }
        return new CommandRequest(null, program(), all, cwd, null, null, null, true, size);
    }

    private List<String> program() {
        return argv == null || argv.isEmpty() ? List.of("/bin/bash", "-l") : argv;
    }
}
