package dev.berth.server.store;

import dev.berth.runtimes.deploy.RuntimeSpec;
import java.time.Instant;

/** One deployed version of a runtime, as stored: never changed after it is written. */
public record RuntimeRecord(String name, int version, Instant createdAt, RuntimeSpec spec) {
    /** How sessions name it: {@code name@version}. */
    public String ref() {
        return name + "@" + version;
    }
}
