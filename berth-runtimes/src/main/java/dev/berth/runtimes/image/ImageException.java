package dev.berth.runtimes.image;

/**
 * An image that could not be fetched: why, as a stable code, and a one-line message fit for a user
 * (never a credential, never a stack trace).
 */
public final class ImageException extends Exception {
    /** Why an image is refused; {@link #code()} is the wire form clients may rely on. */
    public enum Kind {
        /** The reference does not parse: a bad host, repository, tag or digest. */
        INVALID_REFERENCE("image_invalid_reference"),
        /** The repository, tag, manifest or blob does not exist. */
        NOT_FOUND("image_not_found"),
        /** The registry refused us, with or without the credentials we had. */
        UNAUTHORIZED("image_unauthorized"),
        /** No connection to the registry or its token service (refused, timed out, TLS failed). */
        UNREACHABLE("image_unreachable"),
        /** The registry answered with an error status we cannot act on (5xx, 429, ...). */
        REGISTRY_ERROR("image_registry_error"),
        /** A manifest, index or config that is not valid JSON of the expected shape. */
        INVALID_MANIFEST("image_invalid_manifest"),
        /** Valid but not something we run: schema 1, foreign layers, an artifact that is no image. */
        UNSUPPORTED("image_unsupported"),
        /** A multi-platform image without the platform we run. */
        PLATFORM_NOT_FOUND("image_platform_not_found"),
        /** A blob whose sha256 or size is not what its descriptor says. */
        DIGEST_MISMATCH("image_digest_mismatch"),
        /** A blob that ended before its descriptor's size. */
        TRUNCATED("image_truncated"),
        /** More than the configured maximum (a manifest, a config, or the whole image). */
        TOO_LARGE("image_too_large");

        private final String code;

        Kind(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    private final Kind kind;

    public ImageException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public ImageException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
