package dev.berth.cli.commands;

import dev.berth.cli.connect.Connected;
import dev.berth.cli.connect.LocalServer;
import dev.berth.server.BerthServer;
import dev.berth.server.config.ServerConfig;
import dev.berth.server.config.TlsConfig;
import dev.berth.server.config.TlsRequirement;
import dev.berth.server.http.Connectors;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code berth serve}: the control plane, in the foreground. */
@Command(name = "serve", description = "Run the Berth server in the foreground (Ctrl+C or SIGTERM stops it; sessions keep running).")
public final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ServerOptions options;

    @Override
    public Integer call() throws Exception {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            // one line per event, with the logger's name instead of a synthetic lambda's
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT.%1$tL %4$s %3$s: %5$s%6$s%n");
        }
        Path data = Connected.of(spec).dataDir();
        ServerConfig config;
        try {
            config = options.apply(ServerConfig.defaults(data));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        BerthServer server = BerthServer.start(config);
        long pid = ProcessHandle.current().pid();
        LocalServer.write(data, new LocalServer.Info(server.uri().toString(), pid,
                config.tls().enabled() ? config.tls().certFile().toAbsolutePath().toString() : null));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception e) {
                System.err.println("berth: error while stopping: " + e.getMessage());
            } finally {
                LocalServer.clear(data, pid);
                stopped.countDown();
            }
        }, "berth-shutdown"));
        System.out.println("Berth " + BerthServer.VERSION + " listening on " + server.uri()
                + " (" + Connectors.describe(config) + "); admin token in " + config.tokenFile());
        if (!config.tls().enabled() && TlsRequirement.refusal(config.host(), TlsConfig.NONE).isPresent()) {
            System.out.println("warning: plain HTTP on " + config.host() + " (--insecure): the token and all traffic"
                    + " cross the network unencrypted");
        }
        System.out.println("Sessions: " + ServerOptions.describe(config));
        System.out.println("Secrets: " + config.secrets().describe());
        System.out.println("Started in " + server.startupPhases());
        server.driver().unavailableReason().ifPresent(r -> System.out.println("warning: sandboxes unavailable: " + r));
        server.sessions().diskQuotaUnavailable().ifPresent(r -> System.out.println("warning: no disk quotas: " + r));
        System.out.flush();
        server.join();
        stopped.await();
        return 0;
    }

    /** HOST:PORT, [IPV6]:PORT or :PORT. */
    record Listen(String host, int port) {
        static Listen parse(String s) {
            int colon = s.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("--listen wants HOST:PORT, got " + s);
            }
            String host = s.substring(0, colon).replace("[", "").replace("]", "");
            int port = Integer.parseInt(s.substring(colon + 1));
            return new Listen(host.isEmpty() ? ServerConfig.DEFAULT_HOST : host, port);
        }
    }
}
