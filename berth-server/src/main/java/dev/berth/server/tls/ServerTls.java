package dev.berth.server.tls;

import dev.berth.api.tls.Pem;
import dev.berth.server.config.ConfigException;
import dev.berth.server.config.TlsConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The server's side of TLS, from the operator's PEM files: the chain and key go into an in-memory
 * PKCS12 key store (nothing is written to disk), offered with TLS 1.3 and 1.2 only. Every problem
 * with the files is a {@link ConfigException} naming the option, found before the server binds.
 */
public final class ServerTls {
    private static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private ServerTls() {}

    public static SslContextFactory.Server load(TlsConfig tls) {
        List<X509Certificate> chain;
        try {
            chain = Pem.certificates(tls.certFile());
        } catch (IOException e) {
            throw new ConfigException("--tls-cert " + e.getMessage(), e);
        }
        PrivateKey key;
        try {
            key = PrivateKeys.read(tls.keyFile());
        } catch (IOException e) {
            throw new ConfigException("--tls-key " + e.getMessage(), e);
        }
        requireMatch(key, chain.getFirst(), tls);
        // the store's password only guards memory this process owns; a fresh random one per start
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        String password = HexFormat.of().formatHex(random);
        SslContextFactory.Server factory = new SslContextFactory.Server();
        factory.setKeyStore(keyStore(key, chain, password, tls));
        factory.setKeyStorePassword(password);
        factory.setIncludeProtocols(PROTOCOLS.toArray(String[]::new));
        factory.setCipherComparator(HTTP2Cipher.COMPARATOR); // suites HTTP/2 accepts first, so ALPN can pick h2
        factory.setUseCipherSuitesOrder(true);
        return factory;
    }

    /** The protocols offered, for the start-up line. */
    public static List<String> protocols() {
        return PROTOCOLS;
    }

    /** A key that is not the leaf's would fail every handshake; say so at start instead. */
    private static void requireMatch(PrivateKey key, X509Certificate leaf, TlsConfig tls) {
        PublicKey pub = leaf.getPublicKey();
        boolean matches = key.getAlgorithm().equals(pub.getAlgorithm()) && signs(key, pub);
        if (!matches) {
            throw new ConfigException("--tls-key " + tls.keyFile() + " does not belong to the certificate in "
                    + tls.certFile() + " (its first certificate must be the server's own, for this key)");
        }
    }

    /** Whether what {@code key} signs, {@code pub} verifies: the one test that works for RSA and EC alike. */
    private static boolean signs(PrivateKey key, PublicKey pub) {
        String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        byte[] probe = "berth tls key check".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(pub);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // a key the certificate's algorithm cannot use is not its key
        }
    }

    private static KeyStore keyStore(PrivateKey key, List<X509Certificate> chain, String password, TlsConfig tls) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("berth", key, password.toCharArray(), chain.toArray(Certificate[]::new));
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException("--tls-cert " + tls.certFile() + ": cannot be used with its key: " + e.getMessage(), e);
        }
    }
}
