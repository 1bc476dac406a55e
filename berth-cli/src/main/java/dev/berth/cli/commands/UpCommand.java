package dev.berth.cli.commands;

import dev.berth.api.client.BerthClient;
import dev.berth.api.client.TlsFailure;
import dev.berth.cli.connect.Connected;
import dev.berth.cli.connect.ConnectionOptions;
import dev.berth.cli.connect.LocalServer;
import dev.berth.server.config.ServerConfig;
import dev.berth.server.http.Connectors;
import java.io.File;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import javax.net.ssl.SSLContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code berth up}: start the server in the background and wait until it answers. */
@Command(name = "up", description = "Start the Berth server in the background and wait until it is ready.")
public final class UpCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ServerOptions options;

    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "60", description = "How long to wait for readiness (default ${DEFAULT-VALUE}).")
    int waitSeconds;

    @Override
    public Integer call() throws Exception {
        ConnectionOptions conn = Connected.of(spec);
        Path data = conn.dataDir();
        Optional<LocalServer.Info> existing = LocalServer.read(data)
                .filter(i -> ProcessHandle.of(i.pid()).map(ProcessHandle::isAlive).orElse(false));
        if (existing.isPresent()) {
            System.out.println("Berth is already running at " + existing.get().url() + " (pid " + existing.get().pid() + ")");
            return 0;
        }
        try {
            // what the server would refuse (plain HTTP beyond loopback, bad TLS files) is said here, not in its log
            Connectors.prepare(options.apply(ServerConfig.defaults(data)));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Files.createDirectories(data);
        Files.deleteIfExists(LocalServer.file(data));
        Path log = data.resolve("server.log");
        List<String> cmd = new ArrayList<>();
        if (new File("/usr/bin/setsid").canExecute()) {
            cmd.add("/usr/bin/setsid"); // its own session: a Ctrl+C in this terminal must not reach it
        }
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("--enable-native-access=ALL-UNNAMED");
        serverAotCache().ifPresent(cache -> {
            cmd.addAll(List.of("-Xlog:aot=off", "-Xlog:cds=off", "-XX:AOTCache=" + cache));
        });
        String extra = System.getenv("BERTH_JAVA_OPTS");
        if (extra != null && !extra.isBlank()) {
            cmd.addAll(List.of(extra.strip().split("\\s+")));
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(dev.berth.cli.Main.class.getName());
        cmd.add("--home");
        cmd.add(data.toString());
        cmd.add("serve");
        cmd.addAll(options.asArguments());
        Process p = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true)
                .start();
        long deadline = System.nanoTime() + waitSeconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                System.err.println("berth: the server exited with status " + p.exitValue() + "; see " + log);
                return 1;
            }
            Optional<LocalServer.Info> info = LocalServer.read(data);
            Probe probe = info.isPresent() ? probe(info.get(), conn) : Probe.SILENT;
            if (probe.answered()) {
                System.out.println("Berth is up at " + info.get().url() + " (pid " + info.get().pid() + ")");
                System.out.println("Admin token: " + data.resolve("admin.token") + "   Log: " + log);
                if (probe.unverified() != null) {
                    System.out.println("warning: this client cannot verify it: " + probe.unverified()
                            + "; use --server with a name its certificate has, or --tls-ca");
                }
                return 0;
            }
            Thread.sleep(50); // polling a child we just started: there is nothing to wait on but its answer
        }
        System.err.println("berth: the server did not become ready within " + waitSeconds + " s; see " + log);
        return 1;
    }

    /** The launcher's class cache for servers (next to lib/ in the distribution), when it recorded one. */
    private static Optional<Path> serverAotCache() {
        try {
            Path jar = Path.of(UpCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path cache = jar.getParent().resolveSibling("berth-server.aot");
            return Files.isRegularFile(cache) ? Optional.of(cache) : Optional.empty();
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * What asking the new server for its health found.
     *
     * @param unverified why this client could not verify the server's certificate (it names another
     *     host): the server answered TLS, so it is up, and waiting would not change that
     */
    private record Probe(boolean answered, String unverified) {
        static final Probe SILENT = new Probe(false, null);
    }

    private static Probe probe(LocalServer.Info info, ConnectionOptions conn) {
        SSLContext trust = conn.tlsTrust(Optional.of(info)); // a bad --tls-ca fails now: waiting will not fix it
        try (BerthClient client = new BerthClient(URI.create(info.url() + "/"), conn.token(), trust)) {
            client.health();
            return new Probe(true, null);
        } catch (UncheckedIOException e) {
            return e.getCause() instanceof TlsFailure tls ? new Probe(true, tls.getMessage()) : Probe.SILENT;
        } catch (RuntimeException e) {
            return Probe.SILENT;
        }
    }
}
