package dev.berth.server.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import dev.berth.server.config.ConfigException;
import dev.berth.server.config.SecretsPolicy;
import dev.berth.server.store.SqliteStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Secrets sealed at rest: what comes back is what was set, and anything else is refused, never garbage. */
class SecretStoreTest {
    private static final byte[] VALUE = "sk-live-canary-5c1e9d2a7f".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path data;
    @TempDir
    Path config;

    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<String> announced = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private SqliteStore db() {
        SqliteStore s = new SqliteStore(data.resolve("berth.db"));
        open.add(s);
        return s;
    }

    private SecretStore secrets(SecretsPolicy policy) {
        return new SecretStore(db(), SecretsKey.of(policy, data), Clock.systemUTC(), announced::add);
    }

    private SecretStore secrets() {
        return secrets(SecretsPolicy.keyFile(config.resolve("berth/secrets.key")));
    }

    private static String randomKey() {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        return Base64.getEncoder().encodeToString(k);
    }

    private void sql(String sql, Consumer<PreparedStatement> bind) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("berth.db"));
                PreparedStatement p = c.prepareStatement(sql)) {
            bind.accept(p);
            assertThat(p.executeUpdate()).isEqualTo(1);
        }
    }

    private static byte[] column(Path db, String name, String column) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                PreparedStatement p = c.prepareStatement("SELECT " + column + " FROM secrets WHERE name = ?")) {
            p.setString(1, name);
            try (var rs = p.executeQuery()) {
                rs.next();
                return rs.getBytes(1);
            }
        }
    }

    private static ErrorCode code(Throwable t) {
        return ((ApiException) t).code();
    }

    @Test
    void aValueComesBackAsItWasSetAndTheKeyFileIsPrivate() throws Exception {
        SecretStore s = secrets();
        Path key = config.resolve("berth/secrets.key");
        assertThat(s.reveal("github-token")).isEmpty();
        assertThat(key).as("no key is made before a secret needs one").doesNotExist();

        SecretStore.Stored first = s.set("github-token", VALUE, "admin");
        assertThat(first.created()).isTrue();
        assertThat(s.reveal("github-token")).hasValueSatisfying(v -> assertThat(v).isEqualTo(VALUE));
        assertThat(Files.getPosixFilePermissions(key)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(key.getParent())).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        assertThat(Base64.getDecoder().decode(Files.readString(key).strip())).hasSize(32);
        try (var left = Files.list(key.getParent())) {
            assertThat(left).containsExactly(key); // no temporary copy of the key left behind
        }

        SecretStore.Stored again = s.set("github-token", "second".getBytes(StandardCharsets.UTF_8), "alice");
        assertThat(again.created()).isFalse();
        assertThat(again.secret().createdAt()).isEqualTo(first.secret().createdAt());
        assertThat(again.secret().updatedBy()).isEqualTo("alice");
        assertThat(s.reveal("github-token")).hasValueSatisfying(v -> assertThat(new String(v, StandardCharsets.UTF_8))
                .isEqualTo("second"));
        assertThat(s.list()).extracting(r -> r.name()).containsExactly("github-token");
        assertThat(announced).contains(new String(VALUE, StandardCharsets.UTF_8), "second");

        s.remove("github-token");
        assertThat(s.reveal("github-token")).isEmpty();
        assertThatThrownBy(() -> s.remove("github-token")).satisfies(t -> assertThat(code(t)).isEqualTo(ErrorCode.SECRET_NOT_FOUND));
    }

    @Test
    void eachWriteHasItsOwnNonce() throws Exception {
        SecretStore s = secrets();
        s.set("a", VALUE, "admin");
        s.set("b", VALUE, "admin");
        Path db = data.resolve("berth.db");
        assertThat(column(db, "a", "nonce")).hasSize(12).isNotEqualTo(column(db, "b", "nonce"));
        assertThat(column(db, "a", "ciphertext")).isNotEqualTo(column(db, "b", "ciphertext"));
    }

    @Test
    void theDatabaseAndItsWriteAheadLogHoldNoPlaintext() throws Exception {
        SecretStore s = secrets();
        s.set("model-key", VALUE, "admin");
        s.set("other", VALUE, "admin");
        Path wal = data.resolve("berth.db-wal");
        assertThat(wal).as("written, not yet checkpointed").exists();
        StringBuilder all = new StringBuilder();
        for (Path f : List.of(data.resolve("berth.db"), wal)) {
            String bytes = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
            assertThat(bytes.contains("canary")).as(f + " holds the plaintext").isFalse();
            all.append(bytes);
        }
        assertThat(all.indexOf("model-key")).as("the row was written where we looked").isNotNegative();
    }

    @Test
    void anAlteredCiphertextNonceOrNameIsRefused() throws Exception {
        SecretStore s = secrets();
        s.set("c", VALUE, "admin");
        s.set("n", VALUE, "admin");
        s.set("moved", VALUE, "admin");
        Path db = data.resolve("berth.db");
        byte[] ct = column(db, "c", "ciphertext");
        ct[3] ^= 1;
        sql("UPDATE secrets SET ciphertext = ? WHERE name = 'c'", p -> bytes(p, ct));
        byte[] nonce = column(db, "n", "nonce");
        nonce[0] ^= (byte) 0x80;
        sql("UPDATE secrets SET nonce = ? WHERE name = 'n'", p -> bytes(p, nonce));
        sql("UPDATE secrets SET name = 'renamed' WHERE name = 'moved'", p -> { });

        for (String name : List.of("c", "n", "renamed")) {
            assertThatThrownBy(() -> s.reveal(name)).as(name)
                    .satisfies(t -> assertThat(code(t)).isEqualTo(ErrorCode.SECRET_CORRUPTED))
                    .hasMessageContaining("integrity");
        }
    }

    private static void bytes(PreparedStatement p, byte[] b) {
        try {
            p.setBytes(1, b);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aWrongKeyIsUnavailableNotGarbage() throws Exception {
        SecretStore first = secrets(SecretsPolicy.DEFAULTS.withKey(randomKey()));
        first.set("k", VALUE, "admin");
        close();
        open.clear();

        SecretStore other = secrets(SecretsPolicy.DEFAULTS.withKey(randomKey()));
        assertThatThrownBy(() -> other.reveal("k")).satisfies(t -> assertThat(code(t)).isEqualTo(ErrorCode.SECRETS_KEY_UNAVAILABLE))
                .hasMessageContaining("sealed with key");
        assertThatThrownBy(() -> other.set("new", VALUE, "admin"))
                .satisfies(t -> assertThat(code(t)).isEqualTo(ErrorCode.SECRETS_KEY_UNAVAILABLE));
        assertThat(other.list()).extracting(r -> r.name()).containsExactly("k"); // names still listed, and removable
        other.announceAll(); // logged, not thrown: the server still starts
        other.remove("k");
        other.set("new", VALUE, "admin");
        assertThat(other.reveal("new")).isPresent();
    }

    @Test
    void aMissingKeyFileIsNotReplacedWhileSecretsNeedIt() throws Exception {
        Path key = config.resolve("berth/secrets.key");
        secrets().set("k", VALUE, "admin");
        close();
        open.clear();
        Files.delete(key);
        SecretStore s = secrets();
        assertThatThrownBy(() -> s.reveal("k")).satisfies(t -> assertThat(code(t)).isEqualTo(ErrorCode.SECRETS_KEY_UNAVAILABLE))
                .hasMessageContaining("missing");
        assertThatThrownBy(() -> s.set("other", VALUE, "admin"))
                .satisfies(t -> assertThat(code(t)).isEqualTo(ErrorCode.SECRETS_KEY_UNAVAILABLE));
        assertThat(key).doesNotExist();
    }

    @Test
    void storedValuesAreAnnouncedAtStartForTheRedactor() throws Exception {
        secrets().set("k", "a-value-ending-in-a-newline\n".getBytes(StandardCharsets.UTF_8), "admin");
        close();
        open.clear();
        announced.clear();
        secrets().announceAll();
        assertThat(announced).containsExactlyInAnyOrder("a-value-ending-in-a-newline\n", "a-value-ending-in-a-newline");
    }

    @Test
    void namesAndSizesAreChecked() {
        SecretStore s = secrets();
        for (String bad : List.of("", "-lead", ".dot", "has space", "slash/inside", "ü", "x".repeat(129))) {
            assertThatThrownBy(() -> s.set(bad, VALUE, "admin")).as(bad)
                    .satisfies(t -> assertThat(code(t)).isEqualTo(ErrorCode.INVALID_SECRET_NAME));
        }
        s.set("A.b_c-9" + "x".repeat(121), VALUE, "admin"); // 128 characters
        s.set("big", new byte[SecretStore.MAX_VALUE_BYTES], "admin");
        assertThatThrownBy(() -> s.set("bigger", new byte[SecretStore.MAX_VALUE_BYTES + 1], "admin"))
                .satisfies(t -> assertThat(code(t)).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE));
        assertThatThrownBy(() -> s.set("empty", new byte[0], "admin"))
                .satisfies(t -> assertThat(code(t)).isEqualTo(ErrorCode.INVALID_FIELD));
    }

    @Test
    void aKeyFileInsideTheDataDirectoryIsRefusedAtStart() throws Exception {
        assertThatThrownBy(() -> SecretsKey.of(SecretsPolicy.keyFile(data.resolve("keys/secrets.key")), data))
                .isInstanceOf(ConfigException.class).hasMessageContaining("inside the data directory");
        Path link = config.resolve("link-to-data");
        Files.createSymbolicLink(link, data);
        assertThatThrownBy(() -> SecretsKey.of(SecretsPolicy.keyFile(link.resolve("secrets.key")), data))
                .isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> SecretsKey.of(SecretsPolicy.keyFile(data.resolve("../" + data.getFileName() + "/k")), data))
                .isInstanceOf(ConfigException.class);
    }

    @Test
    void aMalformedKeyInTheEnvironmentIsRefusedAtStart() {
        for (String bad : List.of("not base64!", Base64.getEncoder().encodeToString(new byte[16]))) {
            assertThatThrownBy(() -> SecretsKey.of(SecretsPolicy.DEFAULTS.withKey(bad), data))
                    .isInstanceOf(ConfigException.class).hasMessageContaining(SecretsPolicy.KEY_ENV);
        }
    }

    @Test
    void aKeyCommandIsAskedAgainAfterItFailed() throws Exception {
        Path printed = config.resolve("kms-answer");
        SecretStore s = secrets(SecretsPolicy.DEFAULTS.withKeyCommand("cat '" + printed + "'"));
        assertThatThrownBy(() -> s.set("k", VALUE, "admin"))
                .satisfies(t -> assertThat(code(t)).isEqualTo(ErrorCode.SECRETS_KEY_UNAVAILABLE))
                .hasMessageContaining("exited with 1");
        Files.writeString(printed, "garbage\n");
        assertThatThrownBy(() -> s.set("k", VALUE, "admin")).hasMessageContaining("base64");
        Files.writeString(printed, randomKey() + "\n");
        s.set("k", VALUE, "admin");
        assertThat(s.reveal("k")).hasValueSatisfying(v -> assertThat(v).isEqualTo(VALUE));
    }
}
