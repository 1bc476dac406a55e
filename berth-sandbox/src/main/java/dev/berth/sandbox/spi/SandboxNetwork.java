package dev.berth.sandbox.spi;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What a sandbox reaches beyond its own loopback. By default nothing: a sandbox has its own network
 * stack with only {@code lo}.
 *
 * @param gatewaySocket the host's gateway unix socket, which the sandbox finds at 127.0.0.1:7761 (the
 *     driver relays each connection made there), or null for no gateway
 * @param gatewayTag what the relay sends as the session's tag on each gateway connection (PROXY v2
 *     TLV 0xE0); never visible inside the sandbox
 * @param routed opt-in routed networking (a veth to the host, egress filtered by destination), or null
 */
public record SandboxNetwork(Path gatewaySocket, String gatewayTag, RoutedNetwork routed) {
    public SandboxNetwork {
        if ((gatewaySocket == null) != (gatewayTag == null)) {
            throw new IllegalArgumentException("a gateway needs both its socket and the session's tag");
        }
    }

    /** Only the sandbox's own loopback. */
    public static SandboxNetwork none() {
        return new SandboxNetwork(null, null, null);
    }

    /**
     * Routed networking: the sandbox gets an interface with a default route through the host, and
     * the host lets through only connections to {@code allow}; every other attempt is dropped and
     * reported.
     */
    public record RoutedNetwork(List<Destination> allow) {
        public RoutedNetwork {
            allow = List.copyOf(allow);
        }
    }

    /**
     * Where routed traffic may go: addresses in {@code cidr} (IPv4), TCP or UDP ports
     * {@code fromPort..toPort} (1..65535 for all).
     */
    public record Destination(String cidr, String protocol, int fromPort, int toPort) {
        public Destination {
            Objects.requireNonNull(cidr, "cidr");
            if (!protocol.equals("tcp") && !protocol.equals("udp")) {
                throw new IllegalArgumentException("protocol is tcp or udp: " + protocol);
            }
            if (fromPort < 1 || toPort > 65535 || fromPort > toPort) {
                throw new IllegalArgumentException("ports are 1-65535, from <= to");
            }
        }
    }
}
