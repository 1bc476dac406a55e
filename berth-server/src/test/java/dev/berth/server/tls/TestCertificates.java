package dev.berth.server.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away CA and what it issues, made with the {@code openssl} command in one directory: what
 * an operator would hand to {@code berth serve --tls-cert/--tls-key}. Shared with other modules'
 * tests through this module's test jar.
 */
public final class TestCertificates {
    /** What a local server's certificate names: both ways a client on this machine reaches it. */
    public static final String LOCAL_NAMES = "IP:127.0.0.1,DNS:localhost";

    private final Path dir;
    private final Path ca;
    private final Path caKey;

    private TestCertificates(Path dir, Path ca, Path caKey) {
        this.dir = dir;
        this.ca = ca;
        this.caKey = caKey;
    }

    /** A new CA in {@code dir}. */
    public static TestCertificates newCa(Path dir) throws IOException {
        Files.createDirectories(dir);
        TestCertificates t = new TestCertificates(dir, dir.resolve("ca.pem"), dir.resolve("ca.key"));
        t.key("ca", "ec");
        t.openssl("req", "-x509", "-new", "-key", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Berth test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        return t;
    }

    /** The CA's certificate, for clients to trust. */
    public Path ca() {
        return ca;
    }

    /** A new unencrypted PKCS#8 key {@code NAME.key}: {@code rsa} or {@code ec} (P-256). */
    public Path key(String name, String kind) throws IOException {
        String file = name + ".key";
        if (kind.equals("rsa")) {
            openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", file);
        } else {
            openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", file);
        }
        return dir.resolve(file);
    }

    /**
     * A server certificate for {@code key} naming {@code names} (subjectAltName syntax), issued by
     * this CA, written as a chain: {@code NAME.pem} holds it, then the CA's certificate.
     */
    public Path chain(String name, Path key, String names) throws IOException {
        Path ext = dir.resolve(name + ".ext");
        Files.writeString(ext, "subjectAltName=" + names + "\nbasicConstraints=CA:FALSE\n"
                + "extendedKeyUsage=serverAuth\n");
        openssl("req", "-new", "-key", key.toString(), "-subj", "/CN=" + name, "-out", name + ".csr");
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", caKey.getFileName().toString(),
                "-CAcreateserial", "-days", "2", "-extfile", ext.toString(), "-out", name + ".leaf.pem");
        Path chain = dir.resolve(name + ".pem");
        Files.writeString(chain, Files.readString(dir.resolve(name + ".leaf.pem")) + Files.readString(ca));
        return chain;
    }

    /** Runs {@code openssl ARGS} in this directory; returns its output, or fails the test with its error. */
    public String openssl(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return out;
    }
}
