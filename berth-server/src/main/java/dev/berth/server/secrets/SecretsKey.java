package dev.berth.server.secrets;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import dev.berth.server.config.ConfigException;
import dev.berth.server.config.SecretsPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secrets store's AES-256 key, from where {@link SecretsPolicy} says. It is read at the first
 * need and then kept, so a server that never stores a secret reads no key and creates no file; a
 * failure is not kept, so a KMS hook that was down is asked again next time. A key file is written
 * 0600 (its new directories 0700), its content the base64 key as {@code BERTH_SECRETS_KEY} takes it.
 */
public final class SecretsKey {
    private static final System.Logger LOG = System.getLogger(SecretsKey.class.getName());
    static final int KEY_BYTES = 32;
    private static final long COMMAND_TIMEOUT_SECONDS = 30;

    /** The key and its fingerprint, which the store keeps beside each secret to tell a wrong key from damage. */
    record Loaded(SecretKey key, String id) {}

    private final SecretsPolicy policy;
    private final Path keyFile;
    private volatile Loaded loaded;

    private SecretsKey(SecretsPolicy policy, Path keyFile, Loaded given) {
        this.policy = policy;
        this.keyFile = keyFile;
        this.loaded = given;
    }

    /**
     * Checks what can be checked without reading a key: a key given in the environment is well
     * formed, and a key file is not inside {@code dataDir}.
     *
     * @throws ConfigException when it is not
     */
    public static SecretsKey of(SecretsPolicy policy, Path dataDir) {
        if (policy.keyBase64() != null) {
            try {
                return new SecretsKey(policy, null, loaded(decode(policy.keyBase64())));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("$" + SecretsPolicy.KEY_ENV + " is not a base64 " + KEY_BYTES + "-byte key: "
                        + e.getMessage());
            }
        }
        if (policy.keyCommand() != null) {
            return new SecretsKey(policy, null, null);
        }
        Path file = policy.keyFileOrDefault().toAbsolutePath().normalize();
        if (real(file).startsWith(real(dataDir.toAbsolutePath().normalize()))) {
            throw new ConfigException("--secrets-key-file " + file + " is inside the data directory " + dataDir
                    + ": keep the key apart from what it protects (a copy of the data directory must not carry it)");
        }
        return new SecretsKey(policy, file, null);
    }

    /** Where the key comes from, for the start-up line (never the key). */
    public String describe() {
        return policy.describe();
    }

    /**
     * The key.
     *
     * @param mayCreate whether a missing key file may be generated (only while no secret is stored:
     *     a new key could not open the old ones)
     * @throws ApiException {@code secrets_key_unavailable} when there is no usable key
     */
    Loaded get(boolean mayCreate) {
        Loaded k = loaded;
        if (k != null) {
            return k;
        }
        synchronized (this) {
            if (loaded == null) {
                loaded = loaded(policy.keyCommand() != null ? fromCommand() : fromFile(mayCreate));
            }
            return loaded;
        }
    }

    private byte[] fromFile(boolean mayCreate) {
        try {
            return decode(Files.readString(keyFile));
        } catch (NoSuchFileException e) {
            if (!mayCreate) {
                throw unavailable("the key file " + keyFile + " is missing, and secrets sealed with its key are stored:"
                        + " restore it (or give the key in $" + SecretsPolicy.KEY_ENV + ")");
            }
            return create();
        } catch (IOException e) {
            throw unavailable("cannot read the key file " + keyFile + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw unavailable("the key file " + keyFile + " does not hold a base64 " + KEY_BYTES + "-byte key: "
                    + e.getMessage());
        }
    }

    private byte[] create() {
        byte[] key = new byte[KEY_BYTES];
        new SecureRandom().nextBytes(key);
        Path dir = keyFile.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            tmp = Files.createTempFile(dir, ".secrets-key-", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, Base64.getEncoder().encodeToString(key) + "\n");
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.createLink(keyFile, tmp); // never replaces: two servers starting together keep one key
            } catch (FileAlreadyExistsException raced) {
                return decode(Files.readString(keyFile));
            }
            LOG.log(System.Logger.Level.INFO, "generated the secrets key " + keyFile + ": back it up; without it"
                    + " the stored secrets cannot be read");
            return key;
        } catch (IOException | UnsupportedOperationException e) {
            throw unavailable("cannot create the key file " + keyFile + ": " + e.getMessage());
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a stray temporary file holds the same key as the real one, readable by us alone
                }
            }
        }
    }

    /** Runs the KMS hook ({@code sh -c}); its standard output is the base64 key, its error output goes to the log. */
    private byte[] fromCommand() {
        String cmd = policy.keyCommand();
        Process p;
        try {
            p = new ProcessBuilder("/bin/sh", "-c", cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
        } catch (IOException e) {
            throw unavailable("cannot run --secrets-key-command: " + e.getMessage());
        }
        CompletableFuture<byte[]> out = drain(p.getInputStream(), 8 << 10);
        CompletableFuture<byte[]> err = drain(p.getErrorStream(), 4 << 10);
        try {
            if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw unavailable("--secrets-key-command did not finish in " + COMMAND_TIMEOUT_SECONDS + " s");
            }
            String stderr = new String(err.join(), StandardCharsets.UTF_8).strip();
            if (!stderr.isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, "--secrets-key-command said: " + stderr);
            }
            if (p.exitValue() != 0) {
                throw unavailable("--secrets-key-command exited with " + p.exitValue()
                        + (stderr.isEmpty() ? "" : " (its error output is in the server log)"));
            }
            byte[] stdout = out.join();
            try {
                return decode(new String(stdout, StandardCharsets.US_ASCII));
            } finally {
                Arrays.fill(stdout, (byte) 0);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw unavailable("interrupted while running --secrets-key-command");
        } catch (IllegalArgumentException e) {
            throw unavailable("--secrets-key-command did not print a base64 " + KEY_BYTES + "-byte key: " + e.getMessage());
        }
    }

    private static CompletableFuture<byte[]> drain(InputStream in, int max) {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (in) {
                byte[] b = in.readNBytes(max);
                in.transferTo(java.io.OutputStream.nullOutputStream());
                f.complete(b);
            } catch (IOException e) {
                f.complete(new byte[0]);
            }
        });
        return f;
    }

    /** A base64 key (standard alphabet, surrounding white space ignored) of exactly 32 bytes. */
    static byte[] decode(String base64) {
        byte[] key = Base64.getDecoder().decode(base64.strip());
        if (key.length != KEY_BYTES) {
            Arrays.fill(key, (byte) 0);
            throw new IllegalArgumentException(key.length + " bytes");
        }
        return key;
    }

    static Loaded loaded(byte[] key) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update("berth.secrets.key-id\0".getBytes(StandardCharsets.US_ASCII));
            String id = HexFormat.of().formatHex(d.digest(key), 0, 8);
            return new Loaded(new SecretKeySpec(key, "AES"), id);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } finally {
            Arrays.fill(key, (byte) 0); // SecretKeySpec keeps its own copy
        }
    }

    static ApiException unavailable(String why) {
        return new ApiException(ErrorCode.SECRETS_KEY_UNAVAILABLE, why);
    }

    /** The nearest existing ancestor resolved through its links, with the rest of {@code p} after it. */
    private static Path real(Path p) {
        Path existing = p;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return p;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(p));
        } catch (IOException e) {
            return p;
        }
    }
}
