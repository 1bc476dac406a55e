package dev.berth.server.secrets;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * AES-256-GCM over one secret: a fresh random 96-bit nonce per seal, a 128-bit tag, and the
 * secret's name as associated data, so that a row copied under another name does not open.
 * (Random nonces are safe for far more writes than a secrets store sees: the bound is ~2^32 per key.)
 */
final class SecretCipher {
    static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";

    private SecretCipher() {}

    record Sealed(byte[] nonce, byte[] ciphertext) {}

    static Sealed seal(SecretKey key, String name, byte[] plaintext, SecureRandom random) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher c = Cipher.getInstance(TRANSFORMATION);
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(associatedData(name));
            return new Sealed(nonce, c.doFinal(plaintext));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every JDK", e);
        }
    }

    /** The plaintext, if {@code ciphertext} is what {@code key} sealed under this name and nonce. */
    static byte[] open(SecretKey key, String name, byte[] nonce, byte[] ciphertext) throws AEADBadTagException {
        if (nonce.length != NONCE_BYTES) {
            throw new AEADBadTagException("a nonce of " + nonce.length + " bytes, not " + NONCE_BYTES);
        }
        try {
            Cipher c = Cipher.getInstance(TRANSFORMATION);
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(associatedData(name));
            return c.doFinal(ciphertext);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every JDK", e);
        }
    }

    /** Versioned, so that a later format cannot be confused with this one. */
    private static byte[] associatedData(String name) {
        return ("berth.secret.v1\0" + name).getBytes(StandardCharsets.UTF_8);
    }
}
