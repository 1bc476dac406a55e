package dev.berth.api.client;

import java.net.URI;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * A TLS connection to the server that failed, said in one line instead of the JDK's PKIX internals
 * ("PKIX path building failed: sun.security.provider.certpath…"). {@link #untrusted()} tells a
 * caller when naming the right CA would help.
 */
public final class TlsFailure extends SSLException {
    private final boolean untrusted;

    private TlsFailure(String message, boolean untrusted, SSLException cause) {
        super(message, cause);
        this.untrusted = untrusted;
    }

    /** The server's certificate is not issued by any CA this client trusts. */
    public boolean untrusted() {
        return untrusted;
    }

    /** The TLS failure somewhere in {@code e}'s causes, explained; empty when {@code e} is not about TLS. */
    static Optional<TlsFailure> of(URI server, Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TlsFailure f) {
                return Optional.of(f);
            }
            if (t instanceof SSLException ssl) {
                return Optional.of(explain(server, ssl));
            }
        }
        return Optional.empty();
    }

    private static TlsFailure explain(URI server, SSLException e) {
        String prefix = "TLS with " + server.getScheme() + "://" + server.getAuthority() + " failed: ";
        if (cause(e, CertPathBuilderException.class).isPresent()) {
            return new TlsFailure(prefix + "its certificate is not issued by a CA this client trusts", true, e);
        }
        Optional<String> invalid = cause(e, CertPathValidatorException.class).map(Throwable::getMessage);
        if (invalid.isPresent()) {
            return new TlsFailure(prefix + "its certificate is not valid: " + invalid.get(), false, e);
        }
        // what is left of certificate checks is the hostname's: "No subject alternative names matching …"
        Optional<String> refused = cause(e, CertificateException.class).map(Throwable::getMessage);
        return new TlsFailure(prefix + refused.map(m -> "its certificate does not fit: " + m).orElse(e.getMessage()),
                false, e);
    }

    private static <T extends Throwable> Optional<T> cause(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return Optional.of(type.cast(t));
            }
        }
        return Optional.empty();
    }
}
