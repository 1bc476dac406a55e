package dev.berth.cli.commands;

import dev.berth.api.client.BerthClient;
import dev.berth.api.stream.StreamFrame;
import dev.berth.cli.connect.Connected;
import dev.berth.cli.output.StreamPrinter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code berth attach SESSION CID}: re-read a command's output from an offset and follow it. */
@Command(name = "attach", description = "Print a command's output from an offset, follow it until it exits, and exit with its status.")
public final class AttachCommand implements Callable<Integer>, ExitCodes.PassesThrough {
    @Spec
    CommandSpec spec;

    @Mixin
    CommandRef ref;

    @Option(names = "--offset", paramLabel = "N", defaultValue = "0", description = "Byte offset to start from (default 0).")
    long offset;

    @Override
    public Integer call() throws InterruptedException {
        BerthClient client = Connected.of(spec).client();
        StreamPrinter printer = new StreamPrinter(System.err, offset);
        StreamFrame.Exit exit = printer.print(client.output(ref.session, ref.commandId, offset), client, ref.session,
                from -> client.output(ref.session, ref.commandId, from));
        return exit.status().shellStatus();
    }
}
