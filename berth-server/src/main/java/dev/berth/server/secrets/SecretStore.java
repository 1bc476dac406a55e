package dev.berth.server.secrets;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import dev.berth.server.store.SecretRecord;
import dev.berth.server.store.Store;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import javax.crypto.AEADBadTagException;

/**
 * Named secrets, sealed with AES-256-GCM ({@link SecretCipher}) under the {@link SecretsKey} and
 * kept in the {@link Store}: the plaintext is never written, and only {@link #reveal} (the
 * gateway's way in) gives it back. Every value set or read is also told to {@code onValue}, the
 * audit's redactor, so that it is masked wherever it shows up in an event (a command line, say).
 */
public final class SecretStore implements SecretResolver {
    private static final System.Logger LOG = System.getLogger(SecretStore.class.getName());
    public static final int MAX_VALUE_BYTES = 64 << 10;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private final Store store;
    private final SecretsKey key;
    private final Clock clock;
    private final Consumer<String> onValue;
    private final SecureRandom random = new SecureRandom();
    /** Values opened once, for the gateway's next calls (set and remove drop theirs). */
    private final java.util.Map<String, byte[]> revealed = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param onValue told each value (as text, when it is UTF-8) that must never be printed
     */
    public SecretStore(Store store, SecretsKey key, Clock clock, Consumer<String> onValue) {
        this.store = store;
        this.key = key;
        this.clock = clock;
        this.onValue = onValue;
    }

    /** What {@link #set} did. */
    public record Stored(SecretRecord secret, boolean created) {}

    /**
     * Stores {@code value} under {@code name}, replacing any value it had.
     *
     * @throws ApiException {@code invalid_secret_name}, {@code invalid_field} (empty),
     *     {@code payload_too_large} (over 64 KiB), {@code secrets_key_unavailable}
     */
    public synchronized Stored set(String name, byte[] value, String by) {
        checkName(name);
        if (value.length == 0) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "a secret's value cannot be empty");
        }
        if (value.length > MAX_VALUE_BYTES) {
            throw new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "secret values are limited to " + MAX_VALUE_BYTES + " bytes");
        }
        SecretsKey.Loaded k = key(true);
        for (SecretRecord other : store.secrets()) {
            if (!other.keyId().equals(k.id())) {
                // one store, one key: a mix would leave some secrets readable and others not
                throw SecretsKey.unavailable("the stored secrets were sealed with key " + other.keyId()
                        + ", and this server has key " + k.id() + ": restore that key, or remove them first");
            }
        }
        boolean exists = store.secret(name).isPresent();
        SecretCipher.Sealed sealed = SecretCipher.seal(k.key(), name, value, random);
        Instant now = clock.instant();
        SecretRecord stored = store.putSecret(new SecretRecord(name, k.id(), sealed.nonce(), sealed.ciphertext(), now, now, by));
        revealed.remove(name); // the next reveal opens the new row
        announce(value);
        return new Stored(stored, !exists);
    }

    /** Every secret, by name: never a value. */
    public List<SecretRecord> list() {
        return store.secrets();
    }

    /** Deletes a secret (its value stays masked in the audit until the server restarts). */
    public synchronized SecretRecord remove(String name) {
        checkName(name);
        SecretRecord r = store.secret(name).orElseThrow(() -> notFound(name));
        revealed.remove(name);
        if (!store.deleteSecret(name)) {
            throw notFound(name);
        }
        return r;
    }

    /**
     * @throws ApiException {@code secrets_key_unavailable} when the key cannot be had or is not the
     *     one the secret was sealed with; {@code secret_corrupted} when the stored row was altered
     */
    @Override
    public Optional<byte[]> reveal(String name) {
        if (!NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        byte[] known = revealed.get(name);
        if (known != null) {
            return Optional.of(known.clone());
        }
        Optional<SecretRecord> r = store.secret(name);
        if (r.isEmpty()) {
            return Optional.empty();
        }
        byte[] value = open(r.get(), key(false));
        announce(value);
        revealed.put(name, value.clone());
        return Optional.of(value);
    }

    /**
     * Tells {@code onValue} every stored value: at start, so the audit masks them from its first
     * event. A key that cannot be had is logged, not fatal: the secrets calls say so until it can.
     */
    public void announceAll() {
        List<SecretRecord> all = store.secrets();
        if (all.isEmpty()) {
            return; // no key is read (nor a key file made) for a store with nothing in it
        }
        SecretsKey.Loaded k;
        try {
            k = key(false);
        } catch (ApiException e) {
            LOG.log(System.Logger.Level.WARNING, "the " + all.size() + " stored secrets cannot be read: " + e.getMessage());
            return;
        }
        for (SecretRecord r : all) {
            try {
                byte[] v = open(r, k);
                announce(v);
                Arrays.fill(v, (byte) 0);
            } catch (ApiException e) {
                LOG.log(System.Logger.Level.WARNING, e.getMessage());
            }
        }
    }

    /** Where the key comes from, for the start-up line. */
    public String describeKey() {
        return key.describe();
    }

    public static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ApiException(ErrorCode.INVALID_SECRET_NAME,
                    "a secret's name is 1 to 128 of A-Z a-z 0-9 . _ - starting with a letter or digit");
        }
    }

    /** A key file may be generated only while nothing is stored: a new key could not open what is. */
    private SecretsKey.Loaded key(boolean forWriting) {
        return key.get(forWriting && store.secrets().isEmpty());
    }

    private static byte[] open(SecretRecord r, SecretsKey.Loaded k) {
        if (!r.keyId().equals(k.id())) {
            throw SecretsKey.unavailable("secret " + r.name() + " was sealed with key " + r.keyId() + ", and this server has key "
                    + k.id() + ": give it the key file (or $BERTH_SECRETS_KEY) this store was made with");
        }
        try {
            return SecretCipher.open(k.key(), r.name(), r.nonce(), r.ciphertext());
        } catch (AEADBadTagException e) {
            throw new ApiException(ErrorCode.SECRET_CORRUPTED, "secret " + r.name()
                    + " fails its integrity check (its stored row was altered): set it again");
        }
    }

    private void announce(byte[] value) {
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(value)).toString();
            onValue.accept(text);
            String stripped = text.strip(); // a value from a file often ends in a newline that a typed one lacks
            if (!stripped.equals(text)) {
                onValue.accept(stripped);
            }
        } catch (CharacterCodingException notText) {
            // binary: it cannot appear as such in an event's text
        }
    }

    private static ApiException notFound(String name) {
        return new ApiException(ErrorCode.SECRET_NOT_FOUND, "no secret " + name);
    }
}
