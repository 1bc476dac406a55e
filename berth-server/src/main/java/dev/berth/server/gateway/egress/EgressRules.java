package dev.berth.server.gateway.egress;

import java.util.List;

/**
 * Where sandboxes may connect beyond the gateway.
 *
 * @param domains host names, optionally {@code *.}-prefixed and {@code :PORT}-suffixed (default
 *     443), reached through the gateway's CONNECT proxy (HTTPS_PROXY in the sandbox)
 * @param cidrs {@code CIDR[:PORT[-PORT]][/udp]} destinations reached over routed networking
 *     (a veth per session, filtered on the host); any entry turns routed networking on
 */
public record EgressRules(List<String> domains, List<String> cidrs) {
    public static final EgressRules NONE = new EgressRules(List.of(), List.of());

    public EgressRules {
        domains = domains == null ? List.of() : List.copyOf(domains);
        cidrs = cidrs == null ? List.of() : List.copyOf(cidrs);
    }

    /** Both lists together. */
    public EgressRules plus(EgressRules more) {
        java.util.List<String> d = new java.util.ArrayList<>(domains);
        more.domains.stream().filter(x -> !d.contains(x)).forEach(d::add);
        java.util.List<String> c = new java.util.ArrayList<>(cidrs);
        more.cidrs.stream().filter(x -> !c.contains(x)).forEach(c::add);
        return new EgressRules(d, c);
    }
}
