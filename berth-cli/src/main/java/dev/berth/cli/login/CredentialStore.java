package dev.berth.cli.login;

import dev.berth.api.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;

/**
 * The credentials file: {@code $BERTH_CREDENTIALS}, else {@code $XDG_CONFIG_HOME/berth/credentials.json},
 * else {@code ~/.config/berth/credentials.json}. Mode 0600 in a 0700 directory, and replaced
 * atomically, so a reader never sees half a file and no other user ever sees a token.
 */
public final class CredentialStore {
    private final Path file;

    public CredentialStore(Path file) {
        this.file = file;
    }

    /** The store at the standard path for this environment. */
    public static CredentialStore standard() {
        return new CredentialStore(defaultPath(System.getenv(), Path.of(System.getProperty("user.home"))));
    }

    static Path defaultPath(Map<String, String> env, Path home) {
        String explicit = env.get("BERTH_CREDENTIALS");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = env.get("XDG_CONFIG_HOME");
        Path config = xdg != null && !xdg.isBlank() ? Path.of(xdg) : home.resolve(".config");
        return config.resolve("berth").resolve("credentials.json");
    }

    public Path file() {
        return file;
    }

    public Optional<Credentials> load() throws IOException {
        try {
            return Optional.of(Json.mapper().readValue(Files.readAllBytes(file), Credentials.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new IOException(file + " is not a Berth credentials file (" + e.getMessage().lines().findFirst().orElse("")
                    + "); remove it with `berth logout`", e);
        }
    }

    public void save(Credentials credentials) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        // created 0600 before a byte is written, then renamed over the old file
        Path tmp = Files.createTempFile(dir, ".credentials", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.write(tmp, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(credentials));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Forgets the login; false when there was none. */
    public boolean delete() throws IOException {
        Files.deleteIfExists(lockFile());
        return Files.deleteIfExists(file);
    }

    /** Held (with a file lock) by whoever refreshes the stored tokens. */
    Path lockFile() {
        return file.resolveSibling(file.getFileName() + ".lock");
    }
}
