package dev.berth.runtimes.image;

import dev.berth.runtimes.image.ImageException.Kind;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A sha256 content digest, the only algorithm registries use in practice. Its hex is checked to be
 * exactly 64 lowercase hex digits, so it is also safe as a file name in a blob store.
 */
public record Digest(String hex) {
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");
    private static final String PREFIX = "sha256:";

    public Digest {
        if (hex == null || !HEX.matcher(hex).matches()) {
            throw new IllegalArgumentException("not a sha256 hex digest: " + hex);
        }
    }

    /** {@code sha256:HEX}; any other algorithm is refused as unsupported. */
    public static Digest parse(String text) throws ImageException {
        if (text == null || text.isEmpty()) {
            throw new ImageException(Kind.INVALID_MANIFEST, "a descriptor without a digest");
        }
        if (!text.startsWith(PREFIX)) {
            int colon = text.indexOf(':');
            if (colon > 0 && text.substring(0, colon).matches("[a-z0-9]+([+._-][a-z0-9]+)*")) {
                throw new ImageException(Kind.UNSUPPORTED, "digest algorithm " + text.substring(0, colon)
                        + " is not supported (only sha256)");
            }
            throw new ImageException(Kind.INVALID_MANIFEST, "not a digest: " + shorten(text));
        }
        String hex = text.substring(PREFIX.length());
        if (!HEX.matcher(hex).matches()) {
            throw new ImageException(Kind.INVALID_MANIFEST, "not a sha256 digest: " + shorten(text));
        }
        return new Digest(hex);
    }

    public static Digest of(byte[] content) {
        return new Digest(HexFormat.of().formatHex(sha256().digest(content)));
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static String shorten(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    @Override
    public String toString() {
        return PREFIX + hex;
    }
}
