package dev.berth.server.files;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import dev.berth.sandbox.spi.SandboxSpec;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A path inside a session's {@code /mnt/workspace} as its sandbox names it, with {@code .} and
 * {@code ..} resolved by name: {@code absolute} is what the API shows, {@code relative} the part
 * below the workspace ({@code "."} for the workspace itself).
 */
public record SandboxPath(String absolute, String relative) {
    public static final String ROOT = SandboxSpec.WORKSPACE_MOUNT;

    /** @throws ApiException {@code invalid_field} for a path that is not absolute or not inside the workspace */
    public static SandboxPath parse(String asked) {
        if (asked == null || asked.isEmpty()) {
            return new SandboxPath(ROOT, ".");
        }
        if (!asked.startsWith("/") || asked.indexOf('\0') >= 0) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "path must be absolute, inside " + ROOT);
        }
        Deque<String> names = new ArrayDeque<>();
        for (String name : asked.split("/")) {
            switch (name) {
                case "", "." -> { }
                case ".." -> names.pollLast(); // as at /: the parent of the root is the root
                default -> names.addLast(name);
            }
        }
        String absolute = "/" + String.join("/", names);
        if (absolute.equals(ROOT)) {
            return new SandboxPath(ROOT, ".");
        }
        if (!absolute.startsWith(ROOT + "/")) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "path must be inside " + ROOT + ": " + absolute);
        }
        return new SandboxPath(absolute, absolute.substring(ROOT.length() + 1));
    }

    /** The last name of the path ({@code workspace} for the workspace itself). */
    public String name() {
        return absolute.substring(absolute.lastIndexOf('/') + 1);
    }
}
