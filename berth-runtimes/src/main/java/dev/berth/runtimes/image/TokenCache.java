package dev.berth.runtimes.image;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Registry bearer tokens by host, scope and login, kept until shortly before they expire, so that a
 * pull asks the token service once, not once per blob, and the next pull of the same repository
 * not at all. The login is part of the key (as a digest): a token earned by one password is never
 * handed to a request made with another.
 */
final class TokenCache {
    /** Token services may say less; the distribution spec's default is 60 s. */
    static final Duration DEFAULT_TTL = Duration.ofSeconds(60);
    private static final Duration MARGIN = Duration.ofSeconds(5);

    private record Token(String value, Instant expires) {}

    private final ConcurrentHashMap<String, Token> tokens = new ConcurrentHashMap<>();
    private final Clock clock;

    TokenCache(Clock clock) {
        this.clock = clock;
    }

    static String key(String host, String scope, Credentials.Login login) {
        String who = login == null ? "" : Digest.of((login.username() + "\0" + login.password())
                .getBytes(StandardCharsets.UTF_8)).hex();
        return host + "\n" + scope + "\n" + who;
    }

    /** A token still valid, or null. */
    String get(String key) {
        Token t = tokens.get(key);
        if (t == null) {
            return null;
        }
        if (clock.instant().isAfter(t.expires())) {
            tokens.remove(key, t);
            return null;
        }
        return t.value();
    }

    void put(String key, String token, Duration ttl) {
        tokens.put(key, new Token(token, clock.instant().plus(ttl).minus(MARGIN)));
    }
}
