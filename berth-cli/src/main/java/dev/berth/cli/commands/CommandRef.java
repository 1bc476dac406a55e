package dev.berth.cli.commands;

import picocli.CommandLine.Parameters;

/** The {@code SESSION COMMAND_ID} pair that attach, command show and command kill take. */
final class CommandRef {
    @Parameters(index = "0", paramLabel = "SESSION")
    String session;

    @Parameters(index = "1", paramLabel = "COMMAND_ID")
    String commandId;
}
