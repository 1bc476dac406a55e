package dev.berth.server.store;

import dev.berth.runtimes.deploy.RuntimeSpec;
import java.time.Instant;

/** One deployed version of a runtime, as stored: never changed after it is written. */
public record RuntimeRecord(String name, int version, Instant createdAt, RuntimeSpec spec) {
    /** How sessions name it: {@code name@version}. */
    public String ref() {
        return name + "@" + version;
    }

    /** The name in a stored {@link #ref()}. */
    public static String nameOf(String ref) {
        return ref.substring(0, ref.lastIndexOf('@'));
    }

    /** The version in a stored {@link #ref()}. */
    public static int versionOf(String ref) {
        return Integer.parseInt(ref.substring(ref.lastIndexOf('@') + 1));
    }
}
