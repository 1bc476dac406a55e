package dev.berth.server.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The generated admin token: 256 random bits in {@code DATA/admin.token} (mode 0600), created on
 * first start. It proves the principal {@code admin}.
 */
public final class AdminToken {
    private final byte[] token;

    private AdminToken(String token) {
        this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    public static AdminToken loadOrCreate(Path file) throws IOException {
        if (!Files.exists(file)) {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            String value = "berth_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(file, value + "\n");
            } catch (FileAlreadyExistsException raced) {
                // another server process created it first: use theirs
            }
        }
        String value = Files.readString(file).strip();
        if (value.isEmpty()) {
            throw new IOException(file + " is empty: delete it to generate a new admin token");
        }
        return new AdminToken(value);
    }

    /** The token itself, only for the audit's redactor to mask wherever it appears. */
    public String secret() {
        return new String(token, StandardCharsets.UTF_8);
    }

    /** Constant-time comparison with a presented bearer token. */
    public boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8));
    }
}
