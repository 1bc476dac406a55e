package dev.berth.server.config;

import java.net.InetAddress;
import java.util.Locale;
import java.util.Optional;

/**
 * When plain HTTP is refused: on any address but loopback, where the admin token and every
 * session's traffic would cross a network in clear text. Decided from the listen address as
 * written, without a DNS lookup: a hostname other than {@code localhost} counts as non-loopback.
 */
public final class TlsRequirement {
    private TlsRequirement() {}

    /** Why the server must not start with these settings; empty when it may. */
    public static Optional<String> refusal(String host, TlsConfig tls) {
        if (tls.enabled() || tls.insecure() || isLoopback(host)) {
            return Optional.empty();
        }
        String where = host == null || host.isBlank() ? "all interfaces" : host;
        return Optional.of("refusing plain HTTP on " + where + ", which is not loopback only: the token and all"
                + " traffic would cross the network unencrypted. Give --tls-cert FILE --tls-key FILE, or --insecure"
                + " if something else (a TLS proxy) protects it");
    }

    /** 127.0.0.0/8, ::1 (also as ::ffff:127.x.y.z) or localhost; null or blank is every interface. */
    static boolean isLoopback(String host) {
        if (host == null || host.isBlank()) {
            return false;
        }
        if (host.toLowerCase(Locale.ROOT).equals("localhost")) {
            return true;
        }
        try {
            return InetAddress.ofLiteral(host).isLoopbackAddress();
        } catch (IllegalArgumentException notALiteral) {
            return false; // a hostname: what it resolves to may change, so it is not trusted to stay local
        }
    }
}
