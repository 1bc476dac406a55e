package dev.berth.cli.connect;

import picocli.CommandLine.Model.CommandSpec;

/** Implemented by the root command, which owns the (inherited) connection options. */
public interface Connected {
    ConnectionOptions connection();

    /** The connection options given anywhere on the command line of {@code spec}. */
    static ConnectionOptions of(CommandSpec spec) {
        return ((Connected) spec.root().userObject()).connection();
    }
}
