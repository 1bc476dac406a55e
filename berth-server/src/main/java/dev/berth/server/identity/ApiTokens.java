package dev.berth.server.identity;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.Role;
import dev.berth.server.store.Store;
import dev.berth.server.store.TokenRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Local API tokens: {@code berth_t_ID_SECRET}, 256 random bits of secret. Only the secret's SHA-256
 * is stored (a fast hash is enough for a random 256-bit secret: there is nothing to guess). All
 * tokens are held in memory, keyed by id, so a check costs a map lookup and one hash, and a
 * revocation takes effect on the very next request.
 */
public final class ApiTokens {
    public static final String PREFIX = "berth_t_";
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");
    private static final Pattern GROUP = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@/-]{0,63}");
    private static final int ID_LENGTH = 10;
    private static final String ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

    private final Store store;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, TokenRecord> byId = new ConcurrentHashMap<>();

    public ApiTokens(Store store, Clock clock) {
        this.store = store;
        this.clock = clock;
        store.tokens().forEach(t -> byId.put(t.id(), t));
    }

    /** A new token and its secret, which is shown this once. */
    public record Created(TokenRecord record, String token) {}

    public Created create(String user, Role role, Duration ttl, List<String> groups, List<String> runtimes,
            String createdBy) {
        if (user == null || !USER.matcher(user).matches()) {
            throw new ApiException(ErrorCode.INVALID_FIELD,
                    "user must be 1 to 64 of A-Z a-z 0-9 . _ @ - (starting with a letter or digit)");
        }
        if (role == null) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "role must be one of admin, operator, user, auditor");
        }
        if (ttl != null && (ttl.isNegative() || ttl.isZero())) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "ttl must be positive");
        }
        for (String g : groups) {
            if (!GROUP.matcher(g).matches()) {
                throw new ApiException(ErrorCode.INVALID_FIELD, "not a group name: " + g);
            }
        }
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        String secretText = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        StringBuilder id = new StringBuilder(ID_LENGTH);
        for (int i = 0; i < ID_LENGTH; i++) {
            id.append(ID_ALPHABET.charAt(random.nextInt(ID_ALPHABET.length())));
        }
        Instant now = clock.instant();
        TokenRecord record = new TokenRecord(id.toString(), user, role, groups, runtimes, sha256(secretText), now,
                ttl == null ? null : now.plus(ttl), null, createdBy);
        store.insertToken(record);
        byId.put(record.id(), record);
        return new Created(record, PREFIX + record.id() + "_" + secretText);
    }

    public List<TokenRecord> list() {
        return byId.values().stream().sorted(java.util.Comparator.comparing(TokenRecord::createdAt)
                .thenComparing(TokenRecord::id)).toList();
    }

    /** Revokes a token at once (every later request with it is refused). */
    public TokenRecord revoke(String id) {
        TokenRecord t = byId.get(id);
        if (t == null) {
            throw new ApiException(ErrorCode.TOKEN_NOT_FOUND, "no token " + id);
        }
        Instant now = clock.instant();
        store.revokeToken(id, now);
        TokenRecord revoked = t.revokedAt() == null ? t.revoked(now) : t;
        byId.put(id, revoked);
        return revoked;
    }

    /** Whether {@code presented} looks like one of these tokens (else another authenticator may know it). */
    public static boolean looksLikeToken(String presented) {
        return presented.startsWith(PREFIX);
    }

    /**
     * The principal a presented token proves; empty if it is no token of this server.
     *
     * @throws ApiException {@code token_expired} for a revoked or expired one
     */
    public Optional<Principal> authenticate(String presented) {
        int sep = PREFIX.length() + ID_LENGTH;
        if (!looksLikeToken(presented) || presented.length() <= sep || presented.charAt(sep) != '_') {
            return Optional.empty();
        }
        TokenRecord t = byId.get(presented.substring(PREFIX.length(), sep));
        if (t == null) {
            return Optional.empty();
        }
        byte[] presentedHash = sha256(presented.substring(sep + 1)).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(presentedHash, t.secretSha256().getBytes(StandardCharsets.US_ASCII))) {
            return Optional.empty();
        }
        if (!t.validAt(clock.instant())) {
            throw new ApiException(ErrorCode.TOKEN_EXPIRED, "token " + t.id() + " was "
                    + (t.revokedAt() != null ? "revoked" : "valid until " + t.expiresAt()) + ": ask an admin for a new one");
        }
        return Optional.of(new Principal(t.user(), t.groups(), t.role(), "token", t.id(), t.runtimes()));
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
