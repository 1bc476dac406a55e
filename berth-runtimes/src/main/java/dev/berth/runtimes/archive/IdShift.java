package dev.berth.runtimes.archive;

/**
 * Where an archive's owners land on the host: id {@code n} of the archive becomes {@code base + n},
 * which a sandbox whose user namespace maps {@code base..base+count-1} sees as {@code n} again.
 * Ids beyond the range become the range's {@code nobody} (65534, or the last id of a smaller range).
 */
public record IdShift(long base, long count) {
    /** Files stay owned by whoever unpacks them. */
    public static final IdShift NONE = new IdShift(0, 0);
    private static final long NOBODY = 65_534;

    public IdShift {
        if (base < 0 || count < 0 || (base > 0 && count == 0) || base + count > 0xffff_ffffL) {
            throw new IllegalArgumentException("id range " + base + "+" + count + " is not usable");
        }
    }

    public boolean shifts() {
        return base > 0;
    }

    /** The host id for the archive's id {@code id}. */
    public long host(long id) {
        long inRange = id >= 0 && id < count ? id : Math.min(NOBODY, count - 1);
        return base + inRange;
    }
}
