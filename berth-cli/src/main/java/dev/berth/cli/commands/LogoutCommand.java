package dev.berth.cli.commands;

import dev.berth.cli.login.CredentialStore;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code berth logout}: forget the stored OIDC login. */
@Command(name = "logout", description = "Remove the login stored by berth login.")
public final class LogoutCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CredentialStore store = CredentialStore.standard();
        PrintWriter out = spec.commandLine().getOut();
        out.println(store.delete() ? "Logged out: removed " + store.file() : "Not logged in (no " + store.file() + ")");
        out.flush();
        return 0;
    }
}
