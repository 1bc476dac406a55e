package dev.berth.server.store;

import dev.berth.runtimes.deploy.RuntimeSpec;
import java.time.Instant;

/** One deployed version of a runtime, as stored: never changed after it is written. */
public record RuntimeRecord(String name, int version, Instant createdAt, RuntimeSpec spec) {
    /** How sessions name it: {@code name@version}. */
    public String ref() {
        return name + "@" + version;
    }

    /** The name in a {@link #ref()}, or in a bare {@code NAME} as clients may give it. */
    public static String nameOf(String ref) {
        int at = ref.lastIndexOf('@');
        return at < 0 ? ref : ref.substring(0, at);
    }

    /** The version in a stored {@link #ref()}. */
    public static int versionOf(String ref) {
        return Integer.parseInt(ref.substring(ref.lastIndexOf('@') + 1));
    }
}
