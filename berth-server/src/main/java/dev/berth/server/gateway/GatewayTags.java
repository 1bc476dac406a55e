package dev.berth.server.gateway;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The two per-session names the gateway hands out, both derived from the session id with a key
 * only the server holds, so they survive server restarts without being stored and cannot be made
 * up: the connection tag a session's shim sends (never visible inside the sandbox) and the
 * placeholder model key put in the sandbox's environment.
 */
public final class GatewayTags {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private final byte[] key;

    private GatewayTags(byte[] key) {
        this.key = key.clone();
    }

    /** The key in {@code file} (made, readable by its owner only, on first use). */
    public static GatewayTags loadOrCreate(Path file) throws IOException {
        if (!Files.exists(file)) {
            Files.createDirectories(file.getParent());
            byte[] fresh = new byte[32];
            new SecureRandom().nextBytes(fresh);
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(tmp, fresh);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        byte[] k = Files.readAllBytes(file);
        if (k.length < 32) {
            throw new IOException(file + " is not a gateway key (fewer than 32 bytes)");
        }
        return new GatewayTags(k);
    }

    /** {@code ID.MAC}: what the session's shim sends on each gateway connection. */
    public String connectionTag(String sessionId) {
        return sessionId + "." + mac("tag\0" + sessionId);
    }

    /** The session a genuine connection tag names. */
    public Optional<String> sessionOf(String tag) {
        int dot = tag == null ? -1 : tag.lastIndexOf('.');
        if (dot <= 0) {
            return Optional.empty();
        }
        String id = tag.substring(0, dot);
        boolean genuine = MessageDigest.isEqual(connectionTag(id).getBytes(StandardCharsets.US_ASCII),
                tag.getBytes(StandardCharsets.US_ASCII));
        return genuine ? Optional.of(id) : Optional.empty();
    }

    /** The session's placeholder model API key: worthless outside the gateway, and only for this session. */
    public String modelKey(String sessionId) {
        return "berth-session-" + mac("model\0" + sessionId);
    }

    private String mac(String input) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            return B64.encodeToString(m.doFinal(input.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
