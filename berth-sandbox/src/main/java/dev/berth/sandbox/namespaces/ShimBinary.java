package dev.berth.sandbox.namespaces;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The native supervisor ships inside this jar; it is copied out once per version into a directory
 * of the server's, named by its hash, so a running old shim is never overwritten by an upgrade.
 */
public final class ShimBinary {
    private static final String RESOURCE = "/native/berth-shim";

    private ShimBinary() {}

    public static Path install(Path binDir) {
        try (InputStream in = ShimBinary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("berth-shim is missing from the build (" + RESOURCE + ")");
            }
            byte[] bytes = in.readAllBytes();
            String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 6);
            Path target = binDir.resolve("berth-shim-" + hash);
            if (!Files.exists(target)) {
                Files.createDirectories(binDir);
                Path tmp = Files.createTempFile(binDir, "berth-shim", ".tmp");
                Files.write(tmp, bytes);
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install berth-shim into " + binDir, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
