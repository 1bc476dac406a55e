package dev.berth.server.store;

import java.time.Instant;

/**
 * A secret as stored: sealed, never its value.
 *
 * @param keyId which key sealed it (a fingerprint of the key, not the key)
 * @param ciphertext AES-GCM output, the tag at its end
 * @param updatedBy the principal who last set it
 */
public record SecretRecord(String name, String keyId, byte[] nonce, byte[] ciphertext, Instant createdAt,
        Instant updatedAt, String updatedBy) {

    public SecretRecord {
        nonce = nonce.clone();
        ciphertext = ciphertext.clone();
    }

    @Override
    public byte[] nonce() {
        return nonce.clone();
    }

    @Override
    public byte[] ciphertext() {
        return ciphertext.clone();
    }

    @Override
    public String toString() {
        return "SecretRecord[" + name + ", key " + keyId + ", updated " + updatedAt + " by " + updatedBy + "]";
    }
}
