package dev.berth.server.tls;

import dev.berth.api.tls.Pem;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * A server's private key from a PEM file: PKCS#8 ({@code BEGIN PRIVATE KEY}) as OpenSSL 3 writes
 * it, and the traditional {@code BEGIN RSA PRIVATE KEY} (PKCS#1) and {@code BEGIN EC PRIVATE KEY}
 * (SEC 1) that older tools and guides produce, re-wrapped as PKCS#8 here. Encrypted keys are
 * refused: the server starts unattended, with no one to type a passphrase.
 */
final class PrivateKeys {
    private static final HexFormat HEX = HexFormat.of();
    /** AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }. */
    private static final byte[] RSA_ALGORITHM = Der.encode(Der.SEQUENCE,
            HEX.parseHex("06092a864886f70d010101"), Der.encode(Der.NULL));
    /** id-ecPublicKey (1.2.840.10045.2.1); its parameter is the curve's OID. */
    private static final byte[] EC_OID = HEX.parseHex("06072a8648ce3d0201");

    private PrivateKeys() {}

    /** The RSA or EC key in {@code file}; an {@link IOException} says in one line why not. */
    static PrivateKey read(Path file) throws IOException {
        List<Pem.Block> blocks = Pem.blocks(file, Pem.read(file));
        Pem.Block key = blocks.stream().filter(b -> b.label().endsWith("PRIVATE KEY")).findFirst()
                .orElseThrow(() -> new IOException(file + ": holds no PEM private key (-----BEGIN PRIVATE KEY-----)"));
        if (key.encrypted() || key.label().equals("ENCRYPTED PRIVATE KEY")) {
            throw new IOException(file + ": the key is encrypted; the server needs it in clear: " + convert(file));
        }
        byte[] pkcs8 = switch (key.label()) {
            case "PRIVATE KEY" -> key.der();
            case "RSA PRIVATE KEY" -> pkcs8(RSA_ALGORITHM, key.der());
            case "EC PRIVATE KEY" -> pkcs8(Der.encode(Der.SEQUENCE, EC_OID, curve(file, key.der())), key.der());
            default -> throw new IOException(file + ": a " + key.label() + " is not supported; give an RSA or EC key"
                    + " (PKCS#8: " + convert(file) + ")");
        };
        for (String algorithm : List.of("RSA", "EC")) {
            Optional<PrivateKey> k = decode(algorithm, pkcs8);
            if (k.isPresent()) {
                return k.get();
            }
        }
        throw new IOException(file + ": not an RSA or EC private key the JDK can read");
    }

    private static Optional<PrivateKey> decode(String algorithm, byte[] pkcs8) {
        try {
            return Optional.of(KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8)));
        } catch (GeneralSecurityException e) {
            return Optional.empty(); // another algorithm's key, or a damaged one: the caller tries the next
        }
    }

    /** PrivateKeyInfo { version 0, algorithm, privateKey } (RFC 5208) around a traditional key. */
    private static byte[] pkcs8(byte[] algorithm, byte[] traditional) {
        return Der.encode(Der.SEQUENCE, Der.encode(Der.INTEGER, new byte[] {0}), algorithm,
                Der.encode(Der.OCTET_STRING, traditional));
    }

    /** The named curve of a SEC 1 ECPrivateKey { version, privateKey, [0] parameters, [1] publicKey }. */
    private static byte[] curve(Path file, byte[] sec1) throws IOException {
        try {
            for (Der.Element e : Der.sequence(sec1)) {
                if (e.tag() == Der.CONTEXT_0 && e.value().length > 0 && (e.value()[0] & 0xff) == Der.OID) {
                    return e.value();
                }
            }
        } catch (IOException e) {
            throw new IOException(file + ": the EC key is damaged (" + e.getMessage() + ")", e);
        }
        throw new IOException(file + ": the EC key does not name its curve: " + convert(file));
    }

    /** The OpenSSL command that writes {@code file} as an unencrypted PKCS#8 key. */
    static String convert(Path file) {
        return "openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pem";
    }
}
