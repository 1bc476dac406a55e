package dev.berth.server.gateway.egress;

import dev.berth.sandbox.namespaces.routed.Ipv4Cidr;
import dev.berth.sandbox.spi.SandboxNetwork.Destination;
import dev.berth.sandbox.spi.SandboxNetwork.RoutedNetwork;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One entry of {@link EgressRules#cidrs()}: {@code CIDR[:PORT[-PORT]][/udp|/tcp]}, e.g.
 * {@code 198.51.100.0/24:443}, {@code 192.0.2.53:53/udp}, {@code 203.0.113.7} (all TCP ports of one
 * address). TCP unless {@code /udp}; every port unless one or a range is given. IPv4 only.
 */
public final class CidrRule {
    private static final Pattern FORM = Pattern.compile("([^:]+?)(?::(\\d{1,5})(?:-(\\d{1,5}))?)?(?:/(tcp|udp))?");

    private CidrRule() {}

    /** The destination a rule names; a rule that is not one gets an error that says why. */
    public static Destination parse(String rule) {
        String text = rule == null ? "" : rule.strip();
        Matcher m = FORM.matcher(text);
        if (text.isEmpty() || !m.matches()) {
            throw new IllegalArgumentException("egress rule \"" + rule + "\" is not CIDR[:PORT[-PORT]][/udp]");
        }
        Ipv4Cidr cidr;
        try {
            cidr = Ipv4Cidr.parse(m.group(1), false);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("egress rule \"" + rule + "\": " + e.getMessage());
        }
        int from = m.group(2) == null ? 1 : port(rule, m.group(2));
        int to = m.group(3) == null ? (m.group(2) == null ? 65535 : from) : port(rule, m.group(3));
        if (from > to) {
            throw new IllegalArgumentException("egress rule \"" + rule + "\": the port range " + from + "-" + to + " is reversed");
        }
        return new Destination(cidr.toString(), m.group(4) == null ? "tcp" : m.group(4), from, to);
    }

    /** Every rule, in order; the first bad one is named with its position. */
    public static List<Destination> parseAll(List<String> rules) {
        List<Destination> out = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            try {
                out.add(parse(rules.get(i)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("cidrs[" + i + "]: " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** Routed networking for these rules, or null when there are none (the sandbox keeps only loopback). */
    public static RoutedNetwork routedNetwork(EgressRules rules) {
        return rules.cidrs().isEmpty() ? null : new RoutedNetwork(parseAll(rules.cidrs()));
    }

    private static int port(String rule, String digits) {
        int p = Integer.parseInt(digits);
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException("egress rule \"" + rule + "\": port " + p + " is not 1-65535");
        }
        return p;
    }
}
