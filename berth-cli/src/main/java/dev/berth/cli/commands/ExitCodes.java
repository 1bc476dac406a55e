package dev.berth.cli.commands;

/** Exit statuses scripts can rely on. */
public final class ExitCodes {
    /** Berth itself failed while running or attaching to a command (as {@code docker run} does). */
    public static final int BERTH_FAILED = 125;

    private ExitCodes() {}

    /** Marks commands whose exit status is the remote command's, so Berth's own failures use 125. */
    public interface PassesThrough {}
}
