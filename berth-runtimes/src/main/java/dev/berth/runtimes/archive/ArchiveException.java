package dev.berth.runtimes.archive;

/** An archive refused: what about it, as a stable code, and where. */
public final class ArchiveException extends Exception {
    /** Why an archive is refused; {@link #code()} is the wire form clients may rely on. */
    public enum Kind {
        /** An entry named outside the destination: {@code ../}, an absolute path, an empty name. */
        UNSAFE_PATH("archive_unsafe_path"),
        /** A symbolic or hard link that points, or is written through, out of the destination. */
        LINK_ESCAPE("archive_link_escape"),
        /** A device node, FIFO or socket: no runtime needs one from an archive. */
        SPECIAL_FILE("archive_special_file"),
        /** More entries or bytes than the limits allow (a decompression bomb, or just too big). */
        TOO_LARGE("archive_too_large"),
        /** Not a readable archive: truncated, corrupt, or of another format. */
        CORRUPT("archive_corrupt");

        private final String code;

        Kind(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    private final Kind kind;

    public ArchiveException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public ArchiveException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
