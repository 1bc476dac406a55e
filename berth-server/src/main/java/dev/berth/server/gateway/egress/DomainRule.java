package dev.berth.server.gateway.egress;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One entry of a domain allow-list: {@code github.com} (that host only), {@code *.github.com} (its
 * subdomains, not itself), or an IPv4 literal; {@code :PORT} names the one port allowed (443 when
 * absent, since the proxy carries HTTPS).
 */
public record DomainRule(String host, boolean subdomains, int port) {
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

    /** @throws IllegalArgumentException with a message fit for the user who wrote it */
    public static DomainRule parse(String rule) {
        String r = rule == null ? "" : rule.strip().toLowerCase(Locale.ROOT);
        int port = 443;
        int colon = r.lastIndexOf(':');
        if (colon >= 0) {
            try {
                port = Integer.parseInt(r.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("bad port in domain rule " + rule + " (1-65535)");
            }
            r = r.substring(0, colon);
        }
        boolean sub = r.startsWith("*.");
        String host = sub ? r.substring(2) : r;
        if (!validHost(host) || (sub && isIpLiteral(host))) {
            throw new IllegalArgumentException("not a domain rule: " + rule
                    + " (expected host, *.domain or an IPv4 address, optionally :PORT)");
        }
        return new DomainRule(host, sub, port);
    }

    /** Whether a CONNECT to {@code target:targetPort} is what this rule allows. */
    public boolean allows(String target, int targetPort) {
        if (targetPort != port || target == null) {
            return false;
        }
        String t = target.toLowerCase(Locale.ROOT);
        if (t.endsWith(".")) {
            t = t.substring(0, t.length() - 1); // the fully qualified form names the same host
        }
        return subdomains ? t.endsWith("." + host) : t.equals(host);
    }

    /** An address literal: allowed by naming it, whatever kind of address it is. */
    public boolean ipLiteral() {
        return isIpLiteral(host);
    }

    static boolean isIpLiteral(String host) {
        var m = IPV4.matcher(host);
        if (!m.matches()) {
            return false;
        }
        for (int i = 1; i <= 4; i++) {
            if (Integer.parseInt(m.group(i)) > 255) {
                return false;
            }
        }
        return true;
    }

    private static boolean validHost(String host) {
        if (host.isEmpty() || host.length() > 253) {
            return false;
        }
        if (isIpLiteral(host)) {
            return true;
        }
        if (host.matches("[0-9.]+")) {
            return false; // looks like an address but is not one
        }
        for (String label : host.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return host.contains(".") || host.equals("localhost");
    }
}
