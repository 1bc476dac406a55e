package dev.berth.cli;

import dev.berth.api.client.TlsFailure;
import dev.berth.api.model.ApiException;
import dev.berth.cli.commands.ExitCodes;
import java.io.UncheckedIOException;
import picocli.CommandLine;

/** Turns failures into one line on stderr and a stable exit status; a stack trace only with BERTH_DEBUG=1. */
final class ErrorReporter implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        String message = switch (e) {
            case ApiException a -> "berth: " + a.getMessage() + " (" + a.code().code() + ")";
            case UncheckedIOException io when io.getCause() instanceof TlsFailure tls -> "berth: " + tls.getMessage()
                    + (tls.untrusted() ? " (trust its CA with --tls-ca FILE or BERTH_TLS_CA)" : "");
            case UncheckedIOException io -> "berth: " + io.getCause().getMessage();
            default -> "berth: " + (e.getMessage() == null ? e.toString() : e.getMessage());
        };
        cli.getErr().println(message);
        if ("1".equals(System.getenv("BERTH_DEBUG"))) {
            e.printStackTrace(cli.getErr());
        }
        Object command = parsed.subcommand() == null ? null : leaf(parsed).commandSpec().userObject();
        return command instanceof ExitCodes.PassesThrough ? ExitCodes.BERTH_FAILED : 1;
    }

    private static CommandLine.ParseResult leaf(CommandLine.ParseResult p) {
        while (p.subcommand() != null) {
            p = p.subcommand();
        }
        return p;
    }
}
