package dev.berth.runtimes.archive;

/**
 * How much an archive may unpack to, so that a decompression bomb is stopped while it unpacks.
 *
 * @param maxEntries files, directories and links together
 * @param maxBytes the unpacked size of all regular files
 * @param maxRatio unpacked bytes per archive byte (a real project rarely exceeds 20)
 */
public record ArchiveLimits(long maxEntries, long maxBytes, long maxRatio) {
    /** AgentCore's zip limit (750 MB unpacked), with generous room for small files. */
    public static final ArchiveLimits ZIP_DEFAULTS = new ArchiveLimits(200_000, 750_000_000L, 200);

    public ArchiveLimits {
        if (maxEntries < 1 || maxBytes < 1 || maxRatio < 1) {
            throw new IllegalArgumentException("archive limits must be positive");
        }
    }
}
