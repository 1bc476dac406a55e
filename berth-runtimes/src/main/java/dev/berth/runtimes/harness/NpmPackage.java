package dev.berth.runtimes.harness;

/**
 * @param name the package, e.g. {@code @openai/codex}
 * @param version pinned: a runtime must be reproducible
 * @param bin the executable it installs, e.g. {@code codex}
 */
public record NpmPackage(String name, String version, String bin) {}
