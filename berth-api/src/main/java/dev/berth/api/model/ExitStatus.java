package dev.berth.api.model;

/**
 * How a command ended.
 *
 * @param code exit code, or null when a signal ended it
 * @param signal signal number, or null
 * @param timedOut the server ended it because its timeout passed
 * @param durationMs wall time from start to exit
 */
public record ExitStatus(Integer code, Integer signal, boolean timedOut, long durationMs) {

    /** The conventional shell exit status: the code, or 128 + signal. */
    public int shellStatus() {
        if (code != null) {
            return code;
        }
        return signal != null ? 128 + signal : 255;
    }
}
