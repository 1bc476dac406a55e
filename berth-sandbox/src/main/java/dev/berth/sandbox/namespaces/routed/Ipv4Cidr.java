package dev.berth.sandbox.namespaces.routed;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An IPv4 network, {@code a.b.c.d/len}. Parsed strictly: it ends up in nft scripts and ip commands.
 *
 * @param address the first address of the network (host bits clear), as an unsigned 32-bit value
 * @param prefix 0..32
 */
public record Ipv4Cidr(int address, int prefix) {
    private static final Pattern FORM = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})(?:/(\\d{1,2}))?");

    public Ipv4Cidr {
        if (prefix < 0 || prefix > 32) {
            throw new IllegalArgumentException("a prefix length is 0..32: " + prefix);
        }
        if ((address & ~mask(prefix)) != 0) {
            throw new IllegalArgumentException("host bits set in " + dotted(address) + "/" + prefix);
        }
    }

    /**
     * {@code a.b.c.d} (a /32) or {@code a.b.c.d/len}; host bits must be clear unless {@code lenient},
     * which clears them.
     */
    public static Ipv4Cidr parse(String text, boolean lenient) {
        Matcher m = FORM.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("not an IPv4 address or CIDR (a.b.c.d[/len]): " + text);
        }
        int address = 0;
        for (int i = 1; i <= 4; i++) {
            int octet = Integer.parseInt(m.group(i));
            if (octet > 255) {
                throw new IllegalArgumentException("an IPv4 octet is 0..255: " + text);
            }
            address = address << 8 | octet;
        }
        int prefix = m.group(5) == null ? 32 : Integer.parseInt(m.group(5));
        if (prefix > 32) {
            throw new IllegalArgumentException("a prefix length is 0..32: " + text);
        }
        if ((address & ~mask(prefix)) != 0 && !lenient) {
            throw new IllegalArgumentException(text + " has host bits set; the network is "
                    + dotted(address & mask(prefix)) + "/" + prefix);
        }
        return new Ipv4Cidr(address & mask(prefix), prefix);
    }

    static int mask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    public static String dotted(int address) {
        return (address >>> 24) + "." + (address >>> 16 & 255) + "." + (address >>> 8 & 255) + "." + (address & 255);
    }

    /** How many addresses it spans (2^(32-prefix)). */
    public long size() {
        return 1L << (32 - prefix);
    }

    public boolean contains(int ip) {
        return (ip & mask(prefix)) == address;
    }

    public boolean overlaps(Ipv4Cidr other) {
        int shorter = Math.min(prefix, other.prefix);
        return (address & mask(shorter)) == (other.address & mask(shorter));
    }

    /** The address {@code offset} places after the network's first. */
    public int at(long offset) {
        if (offset < 0 || offset >= size()) {
            throw new IllegalArgumentException("offset " + offset + " is outside " + this);
        }
        return (int) (address + offset);
    }

    @Override
    public String toString() {
        return dotted(address) + "/" + prefix;
    }
}
