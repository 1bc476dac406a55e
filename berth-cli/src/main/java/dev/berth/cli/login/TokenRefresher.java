package dev.berth.cli.login;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * The stored login's access token for this CLI call, refreshed first (refresh token grant) when it
 * expires within {@link #MARGIN}, so it does not expire on its way to the server; the refreshed
 * tokens replace the stored ones.
 */
public final class TokenRefresher {
    public static final Duration MARGIN = Duration.ofSeconds(30);

    private final CredentialStore store;
    private final Clock clock;

    public TokenRefresher(CredentialStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** The access token, or empty when nobody is logged in; an {@link IOException} says why a stale login could not be refreshed. */
    public Optional<String> accessToken() throws IOException {
        Optional<Credentials> stored = store.load();
        if (stored.isEmpty() || !stored.get().expiresWithin(MARGIN, clock.instant())) {
            return stored.map(Credentials::accessToken);
        }
        // two CLI calls at once must not both spend the refresh token (providers that rotate it would
        // refuse the second): one refreshes, the other reads what it stored
        try (FileChannel channel = FileChannel.open(lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock _ = channel.lock()) {
            Credentials current = store.load().orElse(null);
            if (current == null || !current.expiresWithin(MARGIN, clock.instant())) {
                return Optional.ofNullable(current).map(Credentials::accessToken);
            }
            if (current.refreshToken() == null) {
                throw new IOException("the OIDC login at " + current.issuer() + " expired at " + current.expiresAt()
                        + " and has no refresh token: run `berth login --oidc` again");
            }
            Credentials fresh;
            try {
                fresh = new TokenEndpoint(clock).refresh(current);
            } catch (IOException e) {
                throw new IOException("the OIDC login at " + current.issuer() + " expired and could not be refreshed ("
                        + e.getMessage() + "): run `berth login --oidc` again", e);
            }
            store.save(fresh);
            return Optional.of(fresh.accessToken());
        }
    }

    private Path lockFile() throws IOException {
        Path lock = store.lockFile();
        if (!Files.exists(lock)) {
            try {
                Files.createFile(lock, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // another call made it first
            }
        }
        return lock;
    }
}
