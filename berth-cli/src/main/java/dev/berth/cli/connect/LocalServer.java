package dev.berth.cli.connect;

import dev.berth.api.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** {@code DATA/server.json}: where the local server listens and its pid, written by {@code berth serve}. */
public final class LocalServer {
    /** @param tlsCert the certificate chain it serves over https, which a client on this machine trusts; null: http */
    public record Info(String url, long pid, String tlsCert) {}

    private LocalServer() {}

    public static Path file(Path dataDir) {
        return dataDir.resolve("server.json");
    }

    public static Optional<Info> read(Path dataDir) {
        try {
            return Optional.of(Json.mapper().readValue(Files.readAllBytes(file(dataDir)), Info.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public static void write(Path dataDir, Info info) throws IOException {
        Path tmp = dataDir.resolve("server.json.tmp");
        Files.write(tmp, Json.mapper().writeValueAsBytes(info));
        Files.move(tmp, file(dataDir), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** Removes the file only if it still describes this process (a newer server may have replaced it). */
    public static void clear(Path dataDir, long pid) {
        read(dataDir).filter(i -> i.pid() == pid).ifPresent(i -> {
            try {
                Files.deleteIfExists(file(dataDir));
            } catch (IOException ignored) {
                // a stale file is detected by its dead pid
            }
        });
    }
}
