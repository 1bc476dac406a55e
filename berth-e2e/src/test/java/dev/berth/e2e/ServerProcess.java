package dev.berth.e2e;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code ./berth serve} as a separate process on a free loopback port. */
final class ServerProcess implements AutoCloseable {
    final Process process;
    final Path log;

    private ServerProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static ServerProcess start(Cli cli, Path data) throws IOException {
        Files.createDirectories(data);
        Path log = data.resolve("serve.log");
        Files.deleteIfExists(data.resolve("server.json"));
        Process p = cli.builder(List.of("serve", "--listen", "127.0.0.1:0"))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        ServerProcess server = new ServerProcess(p, log);
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            if (!p.isAlive()) {
                throw new AssertionError("server exited: " + Files.readString(log));
            }
            return Files.exists(data.resolve("server.json"));
        });
        return server;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
