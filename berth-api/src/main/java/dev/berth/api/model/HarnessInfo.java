package dev.berth.api.model;

/**
 * The harness a runtime runs turn by turn.
 *
 * @param name e.g. {@code codex}
 * @param model its default model; null for the harness's own
 * @param command the {@code custom} harness's command
 * @param version the installed npm package's version, if Berth installed it
 */
public record HarnessInfo(String name, String model, String command, String version) {}
