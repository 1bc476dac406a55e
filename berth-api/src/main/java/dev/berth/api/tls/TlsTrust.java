package dev.berth.api.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Whom a client trusts over https when not the system's CAs: the certificates of one PEM file (a
 * private CA, or a server's own self-signed certificate). Hostnames are still verified.
 */
public final class TlsTrust {
    private TlsTrust() {}

    /** A TLS context that trusts exactly the certificates in {@code pemFile}. */
    public static SSLContext trusting(Path pemFile) throws IOException {
        List<X509Certificate> certs = Pem.certificates(pemFile);
        try {
            KeyStore anchors = KeyStore.getInstance("PKCS12");
            anchors.load(null, null);
            for (int i = 0; i < certs.size(); i++) {
                anchors.setCertificateEntry("trusted-" + i, certs.get(i));
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(anchors);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, trust.getTrustManagers(), null);
            return tls;
        } catch (GeneralSecurityException e) {
            throw new IOException(pemFile + ": cannot be trusted: " + e.getMessage(), e);
        }
    }
}
