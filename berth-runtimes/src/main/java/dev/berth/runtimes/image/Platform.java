package dev.berth.runtimes.image;

/**
 * An OS and CPU an image is built for, as in an image index ({@code variant} may be null).
 */
public record Platform(String os, String architecture, String variant) {
    public static final Platform LINUX_AMD64 = new Platform("linux", "amd64", null);

    /** Same OS and architecture, and the same variant when this one names one. */
    boolean runs(Platform image) {
        return image != null && os.equals(image.os()) && architecture.equals(image.architecture())
                && (variant == null || variant.equals(image.variant()));
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant == null ? "" : "/" + variant);
    }
}
