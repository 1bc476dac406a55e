package dev.berth.server.config;

import java.nio.file.Path;

/**
 * Where the secrets store's AES-256 key comes from: one of a key given as base64 (the
 * {@code BERTH_SECRETS_KEY} environment variable), a command that prints it (a KMS hook), or a key
 * file, generated at the first secret stored when it does not exist yet. Never inside the data
 * directory: who copies the data directory must not get the key with it.
 *
 * @param keyFile the key file; null: {@link #defaultKeyFile()}
 * @param keyCommand a shell command whose standard output is the base64 key; null: none
 * @param keyBase64 the key itself, base64 (never printed by {@link #toString()}); null: none
 */
public record SecretsPolicy(Path keyFile, String keyCommand, String keyBase64) {
    public static final SecretsPolicy DEFAULTS = new SecretsPolicy(null, null, null);
    /** The environment variable that overrides the key file. */
    public static final String KEY_ENV = "BERTH_SECRETS_KEY";

    public SecretsPolicy {
        if (keyCommand != null && keyBase64 != null) {
            throw new ConfigException(KEY_ENV + " and --secrets-key-command both give the secrets key: choose one");
        }
        if (keyCommand != null && keyFile != null) {
            throw new ConfigException("--secrets-key-file and --secrets-key-command both give the secrets key: choose one");
        }
        if (keyCommand != null && keyCommand.isBlank()) {
            throw new ConfigException("--secrets-key-command is empty");
        }
    }

    public static SecretsPolicy keyFile(Path file) {
        return new SecretsPolicy(file, null, null);
    }

    public SecretsPolicy withKeyCommand(String command) {
        return new SecretsPolicy(null, command, keyBase64);
    }

    /** The key given directly (from {@code BERTH_SECRETS_KEY}): it overrides the key file. */
    public SecretsPolicy withKey(String base64) {
        return new SecretsPolicy(keyFile, keyCommand, base64);
    }

    /** The key file in use: the one given, else {@link #defaultKeyFile()}. */
    public Path keyFileOrDefault() {
        return keyFile != null ? keyFile : defaultKeyFile();
    }

    /**
     * {@code /etc/berth/secrets.key} for root, else {@code $XDG_CONFIG_HOME/berth/secrets.key}
     * ({@code ~/.config/berth/secrets.key}).
     */
    public static Path defaultKeyFile() {
        if (isRoot()) {
            return Path.of("/etc/berth/secrets.key");
        }
        String xdg = System.getenv("XDG_CONFIG_HOME");
        Path config = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute() ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".config");
        return config.resolve("berth").resolve("secrets.key");
    }

    private static boolean isRoot() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0"); // the effective uid
                }
            }
        } catch (java.io.IOException e) {
            // no /proc: not Linux, the per-user default
        }
        return false;
    }

    /** Which source is used, for the start-up line; never the key. */
    public String describe() {
        if (keyBase64 != null) {
            return "key from $" + KEY_ENV;
        }
        if (keyCommand != null) {
            return "key from --secrets-key-command";
        }
        return "key file " + keyFileOrDefault();
    }

    @Override
    public String toString() {
        return "SecretsPolicy[" + describe() + "]";
    }
}
