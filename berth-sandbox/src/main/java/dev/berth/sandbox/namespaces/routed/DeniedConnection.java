package dev.berth.sandbox.namespaces.routed;

/**
 * Packets from a routed sandbox that the host dropped, per destination.
 *
 * @param sessionId the sandbox that sent them
 * @param protocol {@code tcp}, {@code udp}, or another IP protocol's name (then {@code port} is 0)
 * @param address the destination IPv4 address
 * @param port the destination port
 * @param packets packets dropped since this destination was last reported (a TCP connect that
 *     retries its SYN counts each one)
 * @param firstReport whether this destination is reported for the first time for this sandbox
 */
public record DeniedConnection(String sessionId, String protocol, String address, int port, long packets,
        boolean firstReport) {}
