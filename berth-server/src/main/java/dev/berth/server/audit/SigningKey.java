package dev.berth.server.audit;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Ed25519 key pair that signs checkpoints. Its file holds two PEM blocks, the PKCS#8
 * {@code PRIVATE KEY} and the X.509 {@code PUBLIC KEY} (what {@code openssl pkey} reads), mode 0600;
 * a public key file holds the second block alone.
 */
final class SigningKey {
    private static final String ALGORITHM = "Ed25519";
    private static final String PRIVATE = "PRIVATE KEY";
    private static final String PUBLIC = "PUBLIC KEY";

    private final PrivateKey privateKey;
    private final PublicKey publicKey;

    private SigningKey(PrivateKey privateKey, PublicKey publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
    }

    /** Reads the key pair in {@code file}, making one there first if there is none. */
    static SigningKey loadOrCreate(Path file) throws IOException {
        if (!Files.exists(file)) {
            create(file);
        }
        String pem = Files.readString(file, US_ASCII);
        try {
            KeyFactory keys = KeyFactory.getInstance(ALGORITHM);
            SigningKey key = new SigningKey(keys.generatePrivate(new PKCS8EncodedKeySpec(block(pem, PRIVATE, file))),
                    keys.generatePublic(new X509EncodedKeySpec(block(pem, PUBLIC, file))));
            byte[] probe = "berth audit key check".getBytes(US_ASCII);
            if (!verify(key.publicKey, probe, key.sign(probe))) {
                throw new IOException("the private and public keys in " + file + " are not one pair");
            }
            return key;
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException("not an Ed25519 key pair: " + file + ": " + e.getMessage(), e);
        }
    }

    private static void create(Path file) throws IOException {
        KeyPair pair;
        try {
            pair = KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK since 15 has Ed25519", e);
        }
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        // written beside the file, then renamed: a crash never leaves half a key where the key belongs
        Path tmp = Files.createTempFile(parent, ".audit-key", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(tmp, pem(PRIVATE, pair.getPrivate().getEncoded()) + pem(PUBLIC, pair.getPublic().getEncoded()),
                    US_ASCII);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    byte[] sign(byte[] message) {
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initSign(privateKey);
            s.update(message);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("signing with a loaded Ed25519 key failed", e);
        }
    }

    PublicKey publicKey() {
        return publicKey;
    }

    /** The public key alone, in the form {@link #readPublic} reads. */
    String publicPem() {
        return pem(PUBLIC, publicKey.getEncoded());
    }

    static PublicKey readPublic(Path file) throws IOException {
        try {
            return KeyFactory.getInstance(ALGORITHM)
                    .generatePublic(new X509EncodedKeySpec(block(Files.readString(file, US_ASCII), PUBLIC, file)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException("not an Ed25519 public key: " + file + ": " + e.getMessage(), e);
        }
    }

    static boolean verify(PublicKey key, byte[] message, byte[] signature) {
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initVerify(key);
            s.update(message);
            return s.verify(signature);
        } catch (GeneralSecurityException e) { // e.g. a signature of the wrong length
            return false;
        }
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    private static byte[] block(String pem, String label, Path file) throws IOException {
        Matcher m = Pattern.compile("-----BEGIN " + label + "-----([^-]*)-----END " + label + "-----").matcher(pem);
        if (!m.find()) {
            throw new IOException("no " + label + " in " + file);
        }
        return Base64.getMimeDecoder().decode(m.group(1));
    }
}
