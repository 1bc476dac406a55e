package dev.berth.api.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM files (RFC 7468) as OpenSSL writes them: labelled base64 blocks of certificates and keys.
 * Failures are {@link IOException}s whose message names the file and says what is wrong in one
 * line, for a caller to show as is.
 */
public final class Pem {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);

    /**
     * One block.
     *
     * @param encrypted it carried RFC 1421 headers ({@code Proc-Type: 4,ENCRYPTED}), OpenSSL's
     *     old way of encrypting a key
     */
    public record Block(String label, byte[] der, boolean encrypted) {}

    private Pem() {}

    /** The file's text, or why it cannot be read. */
    public static String read(Path file) throws IOException {
        try {
            // Latin-1 maps every byte: a binary (DER) file is then merely "not PEM", not a decoding error
            return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new IOException(file + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new IOException(file + ": not readable (permission denied)", e);
        } catch (IOException e) {
            throw new IOException(file + ": cannot be read: " + e.getMessage(), e);
        }
    }

    /** Every block of {@code text}, in order; text around them (OpenSSL's comments) is skipped. */
    public static List<Block> blocks(Path file, String text) throws IOException {
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String body = m.group(2);
            boolean headers = body.contains(":");
            if (headers) {
                int blank = body.replace("\r\n", "\n").indexOf("\n\n");
                body = blank < 0 ? "" : body.replace("\r\n", "\n").substring(blank + 2);
            }
            try {
                blocks.add(new Block(m.group(1), Base64.getDecoder().decode(body.replaceAll("\\s", "")), headers));
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": the " + m.group(1) + " block is not valid base64", e);
            }
        }
        return blocks;
    }

    /** The certificates of a PEM file (a chain: leaf first, as servers expect), at least one. */
    public static List<X509Certificate> certificates(Path file) throws IOException {
        List<X509Certificate> certs = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Block b : blocks(file, read(file))) {
                if (b.label().equals("CERTIFICATE")) {
                    certs.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(b.der())));
                }
            }
        } catch (CertificateException e) {
            throw new IOException(file + ": holds a certificate that cannot be parsed: " + e.getMessage(), e);
        }
        if (certs.isEmpty()) {
            throw new IOException(file + ": holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        return certs;
    }
}
