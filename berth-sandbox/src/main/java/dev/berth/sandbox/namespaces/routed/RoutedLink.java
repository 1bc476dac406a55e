package dev.berth.sandbox.namespaces.routed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A routed sandbox's veth: the host end's name and the /30 it shares with the sandbox's {@code eth0}
 * (the host end is the first usable address and the sandbox's default route, the sandbox the second).
 * Kept in the sandbox's state directory, so that a restarted server finds the same link.
 */
public record RoutedLink(String iface, Ipv4Cidr subnet) {
    /** Host ends are named {@code bv} + 8 hex digits; the host side's nft rules claim every {@code bv*} interface. */
    public static final Pattern NAME = Pattern.compile("bv[0-9a-f]{8}");
    static final String FILE = "routed.link";

    public RoutedLink {
        if (!NAME.matcher(iface).matches()) {
            throw new IllegalArgumentException("not a routed host end's name: " + iface);
        }
        if (subnet.prefix() != 30) {
            throw new IllegalArgumentException("a routed link is a /30: " + subnet);
        }
    }

    public String hostAddress() {
        return Ipv4Cidr.dotted(subnet.at(1));
    }

    public String sandboxAddress() {
        return Ipv4Cidr.dotted(subnet.at(2));
    }

    static Optional<RoutedLink> read(Path stateDir) {
        try {
            String[] parts = Files.readString(stateDir.resolve(FILE), StandardCharsets.UTF_8).strip().split(" ");
            return Optional.of(new RoutedLink(parts[0], Ipv4Cidr.parse(parts[1], false)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // none recorded, or not ours to read: the caller allocates afresh
        }
    }

    void write(Path stateDir) throws IOException {
        Path tmp = stateDir.resolve(FILE + ".tmp");
        Files.writeString(tmp, iface + " " + subnet + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, stateDir.resolve(FILE), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    static void delete(Path stateDir) throws IOException {
        Files.deleteIfExists(stateDir.resolve(FILE));
    }
}
