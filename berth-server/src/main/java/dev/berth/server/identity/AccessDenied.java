package dev.berth.server.identity;

import dev.berth.api.model.ApiException;

/**
 * An authorization refusal. The caller sees {@link #shown()}, which for a session is the very
 * answer a missing session gets, so a refusal leaks nothing; the audit trail records the truth.
 */
public final class AccessDenied extends RuntimeException {
    private final ApiException shown;

    public AccessDenied(ApiException shown, String why) {
        super(why, null, false, false);
        this.shown = shown;
    }

    public ApiException shown() {
        return shown;
    }
}
