package dev.berth.sandbox.namespaces.routed;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of routed networking (docs/network.md).
 *
 * @param hostNetns the network namespace that holds the host ends of the sandboxes' veths and the
 *     {@code inet berth} nft table, as a path ({@code /run/netns/NAME}, {@code /proc/PID/ns/net}); null
 *     for the driver's own. Tests always name one they made: they must never touch the machine's.
 * @param pool where each routed sandbox's /30 comes from
 * @param pollInterval how often the sets of denied destinations are read
 */
public record RoutedConfig(Path hostNetns, Ipv4Cidr pool, Duration pollInterval) {
    public static final Ipv4Cidr DEFAULT_POOL = Ipv4Cidr.parse("10.231.0.0/16", false);

    public RoutedConfig {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(pollInterval, "pollInterval");
        if (pool.prefix() > 30) {
            throw new IllegalArgumentException("the routed pool " + pool + " holds no /30: make it /30 or wider");
        }
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("the denied-destination poll interval must be positive");
        }
    }

    /** The driver's own network namespace, 10.231.0.0/16, read every second. */
    public static RoutedConfig defaults() {
        return new RoutedConfig(null, DEFAULT_POOL, Duration.ofSeconds(1));
    }

    public RoutedConfig inNetns(Path netns) {
        return new RoutedConfig(netns, pool, pollInterval);
    }
}
