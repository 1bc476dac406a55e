package dev.berth.runtimes.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.runtimes.image.ImageException.Kind;
import java.util.List;

/**
 * How an image wants to be run, from its config blob's {@code config} object (Docker and OCI name
 * the fields alike). Absent fields are empty lists and null strings, never missing.
 *
 * @param env {@code KEY=VALUE} entries, in the image's order
 * @param workingDir null when the image does not set one
 * @param user null when the image does not set one
 */
public record ImageConfig(List<String> entrypoint, List<String> cmd, List<String> env, String workingDir, String user) {
    public static final ImageConfig EMPTY = new ImageConfig(List.of(), List.of(), List.of(), null, null);

    public ImageConfig {
        entrypoint = entrypoint == null ? List.of() : List.copyOf(entrypoint);
        cmd = cmd == null ? List.of() : List.copyOf(cmd);
        env = env == null ? List.of() : List.copyOf(env);
        workingDir = workingDir == null || workingDir.isEmpty() ? null : workingDir;
        user = user == null || user.isEmpty() ? null : user;
    }

    /** Largest config blob read (real ones are a few KB; their history makes some reach 100 KB). */
    static final long MAX_BYTES = 8 << 20;

    /** The run settings of a config blob, checking it is for {@code platform} when it says. */
    static ImageConfig parse(byte[] blob, Platform platform) throws ImageException {
        ObjectNode doc = Json.object(blob, "the image config");
        String os = Json.text(doc, "os");
        String arch = Json.text(doc, "architecture");
        if (os != null && arch != null && !platform.runs(new Platform(os, arch, Json.text(doc, "variant")))) {
            throw new ImageException(Kind.PLATFORM_NOT_FOUND, "the image is built for " + os + "/" + arch
                    + ", not " + platform);
        }
        JsonNode c = doc.get("config");
        if (c == null || c.isNull()) {
            return EMPTY;
        }
        if (!c.isObject()) {
            throw new ImageException(Kind.INVALID_MANIFEST, "the image config's config is not an object");
        }
        return new ImageConfig(Json.strings(c, "Entrypoint"), Json.strings(c, "Cmd"), Json.strings(c, "Env"),
                Json.text(c, "WorkingDir"), Json.text(c, "User"));
    }

    /** The layers' uncompressed digests ({@code rootfs.diff_ids}), as far as the config lists them. */
    static List<String> diffIds(byte[] blob) throws ImageException {
        JsonNode rootfs = Json.object(blob, "the image config").get("rootfs");
        return rootfs == null || !rootfs.isObject() ? List.of() : Json.strings(rootfs, "diff_ids");
    }
}
