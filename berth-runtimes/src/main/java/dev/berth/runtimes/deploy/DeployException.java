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
