package dev.berth.runtimes.harness;

/**
 * One thing a harness did in a turn, as parsed from its output.
 *
 * @param kind what sort of step
 * @param text what it said, or a tool call's input, or a command line (trimmed to a readable length)
 * @param tool the tool's name, for tool calls and results
 * @param exitCode a command's exit code, when the harness reports it
 */
public record Step(Kind kind, String text, String tool, Integer exitCode) {
    public enum Kind { MESSAGE, TOOL_CALL, TOOL_RESULT, COMMAND, RESULT, ERROR }
}
