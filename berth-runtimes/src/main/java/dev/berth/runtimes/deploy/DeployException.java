package dev.berth.runtimes.deploy;

import dev.berth.runtimes.archive.ArchiveException;
import dev.berth.runtimes.image.ImageException;

/** A deploy refused or failed, with a stable code (those of archives and images pass through as they are). */
public final class DeployException extends Exception {
    /** The project names no entrypoint and has none of the usual ones. */
    public static final String NO_ENTRYPOINT = "runtime_no_entrypoint";
    /** The project is not usable as given (e.g. an unknown language, a malformed package.json). */
    public static final String INVALID_PROJECT = "runtime_invalid_project";
    /** Installing the project's declared dependencies failed. */
    public static final String DEPENDENCIES_FAILED = "runtime_dependencies_failed";

    /** A harness that Berth cannot install (no npm package): it needs an image that has its CLI. */
    public static final String HARNESS_NOT_INSTALLABLE = "harness_not_installable";
    /** No built-in harness has that name. */
    public static final String HARNESS_UNKNOWN = "harness_unknown";
    /** A deploy's request lacks what it needs (e.g. a custom harness's command). */
    public static final String MISSING_FIELD = "missing_field";
    /** A deploy's request combines what does not go together. */
    public static final String INVALID_FIELD = "invalid_field";

    private final String code;

    public DeployException(String code, String message) {
        super(message);
        this.code = code;
    }

    public DeployException(ArchiveException e) {
        super(e.getMessage(), e);
        this.code = e.kind().code();
    }

    public DeployException(ImageException e) {
        super(e.getMessage(), e);
        this.code = e.kind().code();
    }

    public String code() {
        return code;
    }
}
