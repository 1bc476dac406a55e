package dev.berth.cli.login;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the login is kept, who may read it, and that it survives a round trip. */
class CredentialStoreTest {
    private static final Credentials LOGIN = new Credentials("https://idp.example.com", "berth-cli",
            URI.create("https://idp.example.com/token"), "access-secret", "refresh-secret", Instant.parse("2026-06-01T12:00:00Z"),
            "openid offline_access", "http://127.0.0.1:7760/");

    @TempDir
    Path home;

    @Test
    void theEnvironmentChoosesThePath() {
        assertThat(CredentialStore.defaultPath(Map.of(), home)).isEqualTo(home.resolve(".config/berth/credentials.json"));
        assertThat(CredentialStore.defaultPath(Map.of("XDG_CONFIG_HOME", "/x"), home)).isEqualTo(Path.of("/x/berth/credentials.json"));
        assertThat(CredentialStore.defaultPath(Map.of("XDG_CONFIG_HOME", "/x", "BERTH_CREDENTIALS", "/c.json"), home))
                .isEqualTo(Path.of("/c.json"));
    }

    @Test
    void savedOwnerOnlyInAPrivateDirectoryAndReadBack() throws Exception {
        CredentialStore store = new CredentialStore(home.resolve(".config/berth/credentials.json"));
        assertThat(store.load()).isEmpty();
        store.save(LOGIN);
        assertThat(Files.getPosixFilePermissions(store.file())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(store.file().getParent())).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        assertThat(store.load()).contains(LOGIN);

        Credentials next = new Credentials(LOGIN.issuer(), LOGIN.clientId(), LOGIN.tokenEndpoint(), "access-2", null, null, null, null);
        store.save(next);
        assertThat(store.load()).contains(next);
        try (var files = Files.list(store.file().getParent())) {
            assertThat(files).as("no temporary file left behind").containsExactly(store.file());
        }
        assertThat(store.delete()).isTrue();
        assertThat(store.delete()).isFalse();
    }

    @Test
    void aCorruptFileIsNamedNotGuessedAt() throws Exception {
        CredentialStore store = new CredentialStore(home.resolve("credentials.json"));
        Files.writeString(store.file(), "{\"issuer\":");
        assertThatThrownBy(store::load).isInstanceOf(IOException.class).hasMessageContaining(store.file().toString())
                .hasMessageContaining("berth logout");
    }

    @Test
    void expiryWithAMarginAndTokensNeverPrinted() {
        assertThat(LOGIN.expiresWithin(Duration.ofSeconds(30), Instant.parse("2026-06-01T11:59:29Z"))).isFalse();
        assertThat(LOGIN.expiresWithin(Duration.ofSeconds(30), Instant.parse("2026-06-01T11:59:30Z"))).isTrue();
        assertThat(new Credentials("i", "c", URI.create("https://t"), "a", null, null, null, null)
                .expiresWithin(Duration.ofDays(365), Instant.now())).as("unknown expiry").isFalse();
        assertThat(LOGIN.toString()).doesNotContain("access-secret").doesNotContain("refresh-secret").contains("berth-cli");
    }
}
