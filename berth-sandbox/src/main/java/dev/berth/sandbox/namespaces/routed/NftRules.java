package dev.berth.sandbox.namespaces.routed;

import dev.berth.sandbox.spi.SandboxNetwork.Destination;
import java.util.List;

/**
 * The nft scripts of routed networking: one table, {@code inet berth}, in the host-side network
 * namespace. Its base chains claim every {@code bv*} interface: what comes from one is forwarded
 * only through that sandbox's own chain ({@code bvX_out}: its allow-list) and never delivered to the
 * host itself; whatever is refused goes through {@code bvX_deny}, which records the destination in
 * the set {@code bvX_denied} (one element per protocol, address and port, with a packet counter)
 * before dropping it. An interface without a chain is dropped too: the rules fail closed. A sandbox
 * is root in its own network namespace and may set any source address: before conntrack sees a
 * packet, it is dropped unless its source is the one its interface was given (chain {@code bvX_in}),
 * so that no sandbox can pass for another, or slip into another's established connections.
 *
 * <p>Every script is one nft transaction and idempotent, so it also repairs what is missing.
 */
final class NftRules {
    private static final String HOST_ENDS = "\"bv*\"";

    private NftRules() {}

    private static String declarations() {
        return """
                add table inet berth
                add map inet berth egress { type ifname : verdict; }
                add map inet berth blocked { type ifname : verdict; }
                add map inet berth ingress { type ifname : verdict; }
                add chain inet berth prerouting { type filter hook prerouting priority raw; policy accept; }
                add chain inet berth forward { type filter hook forward priority filter; policy accept; }
                add chain inet berth input { type filter hook input priority filter; policy accept; }
                add chain inet berth postrouting { type nat hook postrouting priority srcnat; policy accept; }
                """;
    }

    private static String sessionDeclarations(String iface) {
        return "add set inet berth " + iface + "_denied { type inet_proto . ipv4_addr . inet_service; flags dynamic;"
                + " counter; size 65535; }\n"
                + "add chain inet berth " + iface + "_in\n"
                + "add chain inet berth " + iface + "_deny\n"
                + "add chain inet berth " + iface + "_out\n";
    }

    /**
     * The table, its base chains (rewritten, as they are static) and this sandbox's chains and set;
     * {@code fresh} empties the set (a new sandbox has denied nothing yet).
     */
    static String ensure(RoutedLink link, Ipv4Cidr pool, List<Destination> allow, boolean fresh) {
        String i = link.iface();
        StringBuilder s = new StringBuilder(declarations());
        s.append("""
                flush chain inet berth prerouting
                flush chain inet berth forward
                flush chain inet berth input
                flush chain inet berth postrouting
                add rule inet berth prerouting iifname vmap @ingress
                add rule inet berth prerouting iifname %1$s drop
                add rule inet berth forward oifname %1$s ct state established,related accept
                add rule inet berth forward iifname %1$s ct state established,related accept
                add rule inet berth forward iifname vmap @egress
                add rule inet berth forward iifname %1$s drop
                add rule inet berth forward oifname %1$s drop
                add rule inet berth input iifname vmap @blocked
                add rule inet berth input iifname %1$s drop
                add rule inet berth postrouting iifname %1$s oifname != %1$s masquerade
                """.formatted(HOST_ENDS));
        s.append(sessionDeclarations(i));
        if (fresh) {
            s.append("flush set inet berth ").append(i).append("_denied\n");
        }
        s.append("flush chain inet berth ").append(i).append("_in\n");
        s.append("flush chain inet berth ").append(i).append("_out\n");
        s.append("flush chain inet berth ").append(i).append("_deny\n");
        String deny = "add rule inet berth " + i + "_deny ";
        s.append(deny).append("meta l4proto { tcp, udp } add @").append(i)
                .append("_denied { meta l4proto . ip daddr . th dport } drop\n");
        s.append(deny).append("meta l4proto != { tcp, udp } add @").append(i)
                .append("_denied { meta l4proto . ip daddr . 0 } drop\n");
        s.append(deny).append("drop\n"); // the set is full, or not IPv4: dropped all the same
        String in = "add rule inet berth " + i + "_in ";
        s.append(in).append("meta nfproto != ipv4 drop\n");
        s.append(in).append("ip saddr != ").append(link.sandboxAddress()).append(" drop\n"); // else on to the policy: accept
        String out = "add rule inet berth " + i + "_out ";
        s.append(out).append("ip daddr ").append(pool).append(" goto ").append(i).append("_deny\n"); // other sessions
        for (Destination d : allow) {
            s.append(out).append("ip daddr ").append(Ipv4Cidr.parse(d.cidr(), true)).append(' ');
            if (d.fromPort() == 1 && d.toPort() == 65535) {
                s.append("meta l4proto ").append(d.protocol());
            } else {
                s.append(d.protocol()).append(" dport ").append(d.fromPort()).append('-').append(d.toPort());
            }
            s.append(" accept\n");
        }
        s.append(out).append("goto ").append(i).append("_deny\n");
        s.append("add element inet berth ingress { \"").append(i).append("\" : goto ").append(i).append("_in }\n");
        s.append("add element inet berth egress { \"").append(i).append("\" : goto ").append(i).append("_out }\n");
        s.append("add element inet berth blocked { \"").append(i).append("\" : goto ").append(i).append("_deny }\n");
        return s.toString();
    }

    /** Removes one sandbox's chains and set; each is declared first so that a missing one is no error. */
    static String remove(String iface) {
        return declarations() + sessionDeclarations(iface)
                + "add element inet berth ingress { \"" + iface + "\" : goto " + iface + "_in }\n"
                + "delete element inet berth ingress { \"" + iface + "\" }\n"
                + "add element inet berth egress { \"" + iface + "\" : goto " + iface + "_out }\n"
                + "add element inet berth blocked { \"" + iface + "\" : goto " + iface + "_deny }\n"
                + "delete element inet berth egress { \"" + iface + "\" }\n"
                + "delete element inet berth blocked { \"" + iface + "\" }\n"
                + "flush chain inet berth " + iface + "_in\n"
                + "flush chain inet berth " + iface + "_out\n"
                + "flush chain inet berth " + iface + "_deny\n"
                + "delete chain inet berth " + iface + "_in\n"
                + "delete chain inet berth " + iface + "_out\n"
                + "delete chain inet berth " + iface + "_deny\n"
                + "delete set inet berth " + iface + "_denied\n";
    }
}
