package dev.berth.cli.commands;

import dev.berth.api.units.Durations;
import dev.berth.cli.connect.Connected;
import dev.berth.cli.output.Sizes;
import java.time.Duration;
import dev.berth.cli.output.JsonOut;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code berth status}: is the server up, and can it make sandboxes? */
@Command(name = "status", description = "Report the server's health.")
public final class StatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() {
        var client = Connected.of(spec).client();
        Map<String, Object> health = client.health();
        if (json) {
            JsonOut.print(System.out, health);
        } else {
            System.out.println("Berth " + health.get("version") + " at " + client.base() + ": " + health.get("status"));
            System.out.println("sandbox driver: " + health.get("driver") + " (cgroups " + health.get("cgroups") + ")"
                    + (Boolean.TRUE.equals(health.get("driverAvailable")) ? "" : ", unavailable: " + health.get("driverProblem")));
            System.out.println("disk quotas: " + (Boolean.TRUE.equals(health.get("diskQuotas"))
                    ? "enforced (each workspace is its own file system)" : "unavailable: " + health.get("diskQuotaProblem")));
            if (health.get("sessionDefaults") instanceof Map<?, ?> d) {
                System.out.println("sessions: idle stop after " + seconds(d.get("idleTimeoutSeconds"))
                        + ", workspace kept " + seconds(d.get("retentionSeconds")) + " after last activity, max lifetime "
                        + seconds(d.get("maxLifetimeSeconds")) + ", disk quota " + bytes(d.get("diskQuotaBytes")));
            }
        }
        return "ok".equals(health.get("status")) ? 0 : 1;
    }

    private static String seconds(Object n) {
        long s = n instanceof Number num ? num.longValue() : 0;
        return s == 0 ? "never" : Durations.format(Duration.ofSeconds(s));
    }

    private static String bytes(Object n) {
        long b = n instanceof Number num ? num.longValue() : 0;
        return b == 0 ? "none" : Sizes.format(b);
    }
}
