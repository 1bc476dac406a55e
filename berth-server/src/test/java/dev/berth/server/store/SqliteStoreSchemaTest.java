package dev.berth.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store skips Flyway only when the schema is exactly current; everything else still migrates. */
class SqliteStoreSchemaTest {
    private static final Pattern MIGRATION = Pattern.compile("V(\\d+)__.*\\.sql");

    @TempDir
    Path dir;

    @Test
    void schemaVersionIsTheNewestMigration() throws Exception {
        Path migrations = migrations();
        int newest;
        try (Stream<Path> files = Files.list(migrations)) {
            newest = files.map(f -> MIGRATION.matcher(f.getFileName().toString()))
                    .filter(Matcher::matches).mapToInt(m -> Integer.parseInt(m.group(1))).max().orElseThrow();
        }
        assertThat(SqliteStore.SCHEMA_VERSION).as("SqliteStore.SCHEMA_VERSION after adding a migration").isEqualTo(newest);
    }

    @Test
    void newDatabaseIsMigratedAndReopenedAtTheSameVersion() throws Exception {
        Path db = dir.resolve("berth.db");
        String url = "jdbc:sqlite:" + db;
        assertThat(SqliteStore.appliedVersion(url)).isZero();
        new SqliteStore(db).close();
        assertThat(SqliteStore.appliedVersion(url)).isEqualTo(SqliteStore.SCHEMA_VERSION);
        try (SqliteStore again = new SqliteStore(db)) {
            assertThat(again.sessions()).isEmpty();
        }
    }

    @Test
    void nativeLibraryIsExtractedOnceAndThenReused() throws Exception {
        Path lib = SqliteNative.extract(dir.resolve("lib")).orElseThrow();
        String resource = "/org/sqlite/native/" + org.sqlite.util.OSInfo.getNativeLibFolderPathForCurrentOS() + "/"
                + lib.getFileName();
        try (var in = SqliteNative.class.getResourceAsStream(resource)) {
            assertThat(Files.readAllBytes(lib)).isEqualTo(in.readAllBytes());
        }
        var written = Files.getLastModifiedTime(lib);
        Files.setLastModifiedTime(lib, java.nio.file.attribute.FileTime.fromMillis(written.toMillis() - 60_000));
        assertThat(SqliteNative.extract(dir.resolve("lib"))).contains(lib);
        assertThat(Files.getLastModifiedTime(lib).toMillis()).as("not copied again").isEqualTo(written.toMillis() - 60_000);
        try (Stream<Path> left = Files.list(lib.getParent())) {
            assertThat(left).containsExactly(lib); // no partial copies left behind
        }
    }

    @Test
    void olderDatabaseIsMigratedToTheCurrentSchema() throws Exception {
        Path db = dir.resolve("old.db");
        String url = "jdbc:sqlite:" + db;
        Flyway.configure().dataSource(url, null, null).locations("classpath:db/migration").target("1").load().migrate();
        assertThat(SqliteStore.appliedVersion(url)).isEqualTo(1);
        new SqliteStore(db).close();
        assertThat(SqliteStore.appliedVersion(url)).isEqualTo(SqliteStore.SCHEMA_VERSION);
    }

    @Test
    void failedMigrationIsNotTakenForCurrent() throws Exception {
        Path db = dir.resolve("failed.db");
        String url = "jdbc:sqlite:" + db;
        new SqliteStore(db).close();
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("UPDATE flyway_schema_history SET success = 0 WHERE version = '" + SqliteStore.SCHEMA_VERSION + "'");
        }
        assertThat(SqliteStore.appliedVersion(url)).isNegative(); // so Flyway runs and reports the failure
    }

    private static Path migrations() throws URISyntaxException {
        return Path.of(SqliteStore.class.getResource("/db/migration").toURI());
    }
}
