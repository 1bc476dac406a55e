package dev.berth.server.identity.oidc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tokens already verified, so that a client sending the same token with every request pays for
 * the signature once. Keyed by the token's SHA-256 (the token itself is a credential and is not
 * kept); an entry is dropped when its token expires, and the size is bounded.
 */
final class VerifiedTokens {
    private static final MessageDigest SHA_256;

    static {
        try {
            SHA_256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new ExceptionInInitializerError(e); // every JDK has SHA-256
        }
    }

    /** A token's SHA-256 as four longs: value equality without keeping an array or a string. */
    record Digest(long a, long b, long c, long d) {
        static Digest of(String token) {
            MessageDigest sha;
            try {
                sha = (MessageDigest) SHA_256.clone(); // cheaper than a provider lookup per request
            } catch (CloneNotSupportedException e) {
                throw new IllegalStateException(e);
            }
            ByteBuffer h = ByteBuffer.wrap(sha.digest(token.getBytes(StandardCharsets.ISO_8859_1)));
            return new Digest(h.getLong(), h.getLong(), h.getLong(), h.getLong());
        }
    }

    private final int capacity;
    private final Map<Digest, VerifiedToken> entries = new ConcurrentHashMap<>();

    VerifiedTokens(int capacity) {
        this.capacity = capacity;
    }

    /** The verified token, if it is known and has not expired by {@code now}. */
    VerifiedToken get(Digest digest, Instant now) {
        VerifiedToken v = entries.get(digest);
        if (v != null && !now.isBefore(v.expiresAt())) {
            entries.remove(digest, v);
            return null;
        }
        return v;
    }

    void put(Digest digest, VerifiedToken token, Instant now) {
        if (capacity == 0 || !now.isBefore(token.expiresAt())) {
            return; // a token accepted only thanks to the clock skew is checked in full each time
        }
        if (entries.size() >= capacity) {
            makeRoom(now);
        }
        entries.put(digest, token);
    }

    int size() {
        return entries.size();
    }

    /** Drops the expired entries, then, if that was not enough, about a tenth of the rest. */
    private void makeRoom(Instant now) {
        entries.values().removeIf(v -> !now.isBefore(v.expiresAt()));
        if (entries.size() < capacity) {
            return;
        }
        int excess = entries.size() - capacity + Math.max(1, capacity / 10);
        for (Iterator<Digest> it = entries.keySet().iterator(); excess > 0 && it.hasNext(); excess--) {
            it.next();
            it.remove(); // an arbitrary victim: its owner pays one more signature check
        }
    }
}
