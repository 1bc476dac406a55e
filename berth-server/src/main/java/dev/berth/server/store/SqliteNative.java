package dev.berth.server.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Optional;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.OSInfo;

/**
 * Keeps sqlite-jdbc's native library extracted once under the data directory. Left to itself the
 * driver copies the library out of its jar into /tmp at every start and compares the bytes (tens of
 * milliseconds of every restart, and a new copy in /tmp after each kill -9); pointing it at a file
 * that already exists makes it load that file directly.
 */
final class SqliteNative {
    private static final String PATH = "org.sqlite.lib.path";
    private static final String NAME = "org.sqlite.lib.name";

    private SqliteNative() {}

    /** Points the driver at {@code libDir}'s copy of its library, extracting it on first use. */
    static void useCopyIn(Path libDir) {
        if (System.getProperty(PATH) != null) {
            return; // the operator chose a library, or an earlier store of this process did
        }
        extract(libDir).ifPresent(lib -> {
            System.setProperty(PATH, lib.getParent().toString());
            System.setProperty(NAME, lib.getFileName().toString());
        });
    }

    /** The library under {@code libDir}, copied out of the driver's jar unless it is there already. */
    static Optional<Path> extract(Path libDir) {
        String name = System.mapLibraryName("sqlitejdbc");
        // keyed by driver version and platform: an upgrade or a data directory moved to another machine gets its own
        Path dir = libDir.resolve(("sqlite-jdbc-" + SQLiteJDBCLoader.getVersion() + "-" + System.getProperty("os.name")
                + "-" + System.getProperty("os.arch")).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "_"));
        Path lib = dir.resolve(name);
        if (Files.isRegularFile(lib)) {
            return Optional.of(lib);
        }
        String resource = "/org/sqlite/native/" + OSInfo.getNativeLibFolderPathForCurrentOS() + "/" + name;
        try (InputStream in = SQLiteJDBCLoader.class.getResourceAsStream(resource)) {
            if (in == null) {
                return Optional.empty(); // no bundled library for this platform: the driver says so itself
            }
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, name, ".part");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, lib, StandardCopyOption.ATOMIC_MOVE); // never a half-written library
            return Optional.of(lib);
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // the driver's own extraction still works
        }
    }
}
