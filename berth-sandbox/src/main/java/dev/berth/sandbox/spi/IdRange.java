package dev.berth.sandbox.spi;

/**
 * Host ids a driver's sandboxes see as their own {@code 0..count-1}: an image root's files must be
 * owned by ids in this range for the sandbox's root to own them.
 */
public record IdRange(long hostBase, long count) {
    public IdRange {
        if (hostBase <= 0 || count <= 0) {
            throw new IllegalArgumentException("id range " + hostBase + "+" + count + " is not usable");
        }
    }
}
