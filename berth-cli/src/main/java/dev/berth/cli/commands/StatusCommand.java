package dev.berth.cli.commands;

import dev.berth.cli.connect.Connected;
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
        }
        return "ok".equals(health.get("status")) ? 0 : 1;
    }
}
