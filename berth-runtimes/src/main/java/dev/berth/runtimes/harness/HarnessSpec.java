package dev.berth.runtimes.harness;

/**
 * What a runtime deployed with {@code --harness} records.
 *
 * @param name the harness
 * @param model the model its turns use unless a turn says otherwise; null for the harness's default
 * @param command a {@code custom} harness's command (null for the others)
 * @param version the installed package's version, if it was installed from npm
 */
public record HarnessSpec(String name, String model, String command, String version) {}
