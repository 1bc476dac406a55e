package dev.berth.cli.commands;

import dev.berth.api.units.Durations;
import dev.berth.cli.input.DurationConverter;
import dev.berth.cli.input.SizeConverter;
import dev.berth.cli.output.Sizes;
import dev.berth.server.config.ServerConfig;
import dev.berth.server.lifecycle.LifecyclePolicy;
import dev.berth.server.lifecycle.Lifetime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The server settings {@code serve} and {@code up} share; {@code up} hands them on to the server it starts. */
final class ServerOptions {
    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Address to listen on (default 127.0.0.1:7760; port 0 picks a free one).")
    String listen;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Stop a session after this long without activity or running command (default 15m; 0: never). Sessions may ask for their own.")
    Duration idleTimeout;

    @Option(names = "--retention", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Reclaim a session's workspace after this long without activity (default 14d); also the longest a session may ask for.")
    Duration retention;

    @Option(names = "--max-lifetime", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "End every session this long after its creation, whatever it does (default 90d; 0: no limit).")
    Duration maxLifetime;

    @Option(names = "--disk-quota", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Default size of a session's workspace file system (default 10g; 0: no quota).")
    Long diskQuota;

    @Option(names = "--output-buffer", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Output kept per command (and terminal) for re-reading and re-attaching (default 64m, at least 64k). "
                    + "Never trimmed while an attached reader still needs it.")
    Long outputBuffer;

    ServerConfig apply(ServerConfig config) {
        if (outputBuffer != null) {
            if (outputBuffer < (64 << 10)) {
                throw new IllegalArgumentException("--output-buffer must be at least 64k");
            }
            config = config.withOutputRetain(outputBuffer);
        }
        if (listen != null) {
            ServeCommand.Listen l = ServeCommand.Listen.parse(listen);
            config = config.withListen(l.host(), l.port());
        }
        LifecyclePolicy d = config.lifecycle();
        Lifetime life = new Lifetime(
                idleTimeout != null ? idleTimeout : d.defaults().idleTimeout(),
                retention != null ? retention : d.defaults().retention(),
                maxLifetime != null ? maxLifetime : d.defaults().maxLifetime());
        return config.withLifecycle(new LifecyclePolicy(life, diskQuota != null ? diskQuota : d.diskQuotaBytes()));
    }

    /** The same options as arguments, for a server started in the background. */
    List<String> asArguments() {
        List<String> args = new ArrayList<>();
        if (listen != null) {
            args.addAll(List.of("--listen", listen));
        }
        if (idleTimeout != null) {
            args.addAll(List.of("--idle-timeout", Durations.format(idleTimeout)));
        }
        if (retention != null) {
            args.addAll(List.of("--retention", Durations.format(retention)));
        }
        if (maxLifetime != null) {
            args.addAll(List.of("--max-lifetime", Durations.format(maxLifetime)));
        }
        if (diskQuota != null) {
            args.addAll(List.of("--disk-quota", Long.toString(diskQuota)));
        }
        if (outputBuffer != null) {
            args.addAll(List.of("--output-buffer", Long.toString(outputBuffer)));
        }
        return args;
    }

    static String describe(ServerConfig c) {
        Lifetime l = c.lifecycle().defaults();
        return "idle stop " + (l.idleTimeout().isZero() ? "never" : Durations.format(l.idleTimeout()))
                + ", workspace retention " + Durations.format(l.retention())
                + ", max lifetime " + (l.maxLifetime().isZero() ? "none" : Durations.format(l.maxLifetime()))
                + ", disk quota " + (c.lifecycle().diskQuotaBytes() == 0 ? "none" : Sizes.format(c.lifecycle().diskQuotaBytes()))
                + ", output buffer " + Sizes.format(c.outputRetainBytes());
    }
}
