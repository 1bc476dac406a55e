package dev.berth.server.config;

import java.nio.file.Path;

/**
 * How the API port is protected: TLS from PEM files, or plain HTTP, which {@link TlsRequirement}
 * allows beyond loopback only when the operator says {@code insecure}.
 *
 * @param certFile the certificate chain, leaf first; null: plain HTTP
 * @param keyFile the leaf's private key (PKCS#8, or OpenSSL's traditional RSA and EC forms)
 * @param insecure plain HTTP may listen on a non-loopback address (a TLS proxy in front, a lab)
 */
public record TlsConfig(Path certFile, Path keyFile, boolean insecure) {
    /** Plain HTTP, on loopback only. */
    public static final TlsConfig NONE = new TlsConfig(null, null, false);

    public TlsConfig {
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException("--tls-cert and --tls-key go together: give both or neither");
        }
    }

    public boolean enabled() {
        return certFile != null;
    }
}
