package dev.berth.cli.commands;

import dev.berth.api.model.SecretInfo;
import dev.berth.cli.connect.Connected;
import dev.berth.cli.output.JsonOut;
import dev.berth.cli.output.Table;
import java.io.Console;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code berth secret set|ls|rm}: credentials the gateway injects on the host side (admins only). */
@Command(name = "secret", description = {"Manage secrets (admins only): credentials the gateway injects for sandboxes,",
        "which never see them. Stored encrypted; no command or API call ever shows a value again."},
        subcommands = {SecretCommand.Set.class, SecretCommand.Ls.class, SecretCommand.Rm.class})
public final class SecretCommand {
    /** The server's limit, checked here too so that a mistake (the wrong file) is not sent at all. */
    static final int MAX_VALUE_BYTES = 64 << 10;

    @Command(name = "set", description = {"Store the value of secret NAME, replacing the one it has.",
            "Without --from-file or --from-stdin it is asked for without echo on a terminal, else read from stdin.",
            "Typed or piped values lose one trailing line end; a file's bytes are stored exactly. At most 64 KiB."})
    static final class Set implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME", description = "1 to 128 of A-Z a-z 0-9 . _ - starting with a letter or digit.")
        String name;

        @ArgGroup(exclusive = true)
        Source source;

        static final class Source {
            @Option(names = "--from-file", paramLabel = "FILE", description = "Read the value from FILE, exactly as it is.")
            Path file;

            @Option(names = "--from-stdin", description = "Read the value from standard input (to its end).")
            boolean stdin;
        }

        @Override
        public Integer call() throws IOException {
            byte[] value = read();
            try {
                if (value.length == 0) {
                    throw new ParameterException(spec.commandLine(), "the value is empty: nothing stored");
                }
                if (value.length > MAX_VALUE_BYTES) {
                    throw new ParameterException(spec.commandLine(), "the value is over 64 KiB: secrets are limited to "
                            + MAX_VALUE_BYTES + " bytes");
                }
                SecretInfo s = Connected.of(spec).client().setSecret(name, value);
                System.out.println("secret " + s.name() + (s.createdAt().equals(s.updatedAt()) ? " stored" : " replaced"));
                return 0;
            } finally {
                Arrays.fill(value, (byte) 0);
            }
        }

        private byte[] read() throws IOException {
            if (source != null && source.file != null) {
                if (Files.size(source.file) > MAX_VALUE_BYTES) {
                    throw new ParameterException(spec.commandLine(), source.file + " is over 64 KiB: secrets are limited to "
                            + MAX_VALUE_BYTES + " bytes");
                }
                return Files.readAllBytes(source.file);
            }
            Console console = System.console();
            if ((source == null || !source.stdin) && console != null && console.isTerminal()) {
                char[] typed = console.readPassword("Value of %s (not shown): ", name);
                if (typed == null) {
                    return new byte[0];
                }
                try {
                    ByteBuffer b = StandardCharsets.UTF_8.encode(CharBuffer.wrap(typed));
                    byte[] bytes = new byte[b.remaining()];
                    b.get(bytes);
                    Arrays.fill(b.array(), (byte) 0);
                    return bytes;
                } finally {
                    Arrays.fill(typed, '\0');
                }
            }
            // room for a 64 KiB value and its line end, and one byte more to tell a longer input
            byte[] raw = System.in.readNBytes(MAX_VALUE_BYTES + 3);
            if (raw.length == MAX_VALUE_BYTES + 3) {
                Arrays.fill(raw, (byte) 0);
                throw new ParameterException(spec.commandLine(), "the value is over 64 KiB: secrets are limited to "
                        + MAX_VALUE_BYTES + " bytes");
            }
            return withoutLineEnd(raw);
        }
    }

    /** {@code echo "$KEY" | berth secret set …} must store the key, not the key and a newline. */
    static byte[] withoutLineEnd(byte[] b) {
        int n = b.length;
        if (n > 0 && b[n - 1] == '\n') {
            n--;
            if (n > 0 && b[n - 1] == '\r') {
                n--;
            }
        }
        if (n == b.length) {
            return b;
        }
        byte[] out = Arrays.copyOf(b, n);
        Arrays.fill(b, (byte) 0);
        return out;
    }

    @Command(name = "ls", aliases = "list", description = "List secrets: names, when set and by whom (never values).")
    static final class Ls implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            List<SecretInfo> all = Connected.of(spec).client().listSecrets();
            if (json) {
                JsonOut.print(System.out, all);
                return 0;
            }
            Table t = new Table("NAME", "CREATED", "UPDATED", "BY");
            Instant now = Instant.now();
            for (SecretInfo s : all) {
                t.row(s.name(), SessionCommand.ago(now, s.createdAt()), SessionCommand.ago(now, s.updatedAt()), s.updatedBy());
            }
            t.print(System.out);
            return 0;
        }
    }

    @Command(name = "rm", aliases = "delete", description = "Delete a secret (what uses it fails from the next call on).")
    static final class Rm implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME", description = "The secret's name (from secret ls).")
        String name;

        @Override
        public Integer call() {
            SecretInfo s = Connected.of(spec).client().deleteSecret(name);
            System.out.println("secret " + s.name() + " deleted");
            return 0;
        }
    }
}
