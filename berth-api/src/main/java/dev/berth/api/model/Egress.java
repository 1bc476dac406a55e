package dev.berth.api.model;

import java.util.List;

/**
 * Where a session's sandbox may connect beyond the gateway, on top of what the server's gateway
 * configuration grants every session and the session's runtime.
 *
 * @param domains host names ({@code github.com}, {@code *.npmjs.org}), optionally {@code :PORT}
 *     (default 443), reached through the gateway's CONNECT proxy (HTTPS_PROXY in the sandbox)
 * @param cidrs {@code CIDR[:PORT[-PORT]][/udp]} reached directly over routed networking
 */
public record Egress(List<String> domains, List<String> cidrs) {
    public Egress {
        domains = domains == null ? List.of() : List.copyOf(domains);
        cidrs = cidrs == null ? List.of() : List.copyOf(cidrs);
    }
}
