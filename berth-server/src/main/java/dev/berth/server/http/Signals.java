package dev.berth.server.http;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import java.util.Locale;
import java.util.Map;

/** Signal names and numbers as clients give them: {@code TERM}, {@code SIGTERM} or {@code 15}. */
final class Signals {
    private static final Map<String, Integer> NUMBERS = Map.of(
            "HUP", 1, "INT", 2, "QUIT", 3, "KILL", 9, "USR1", 10, "USR2", 12, "TERM", 15, "CONT", 18, "STOP", 19,
            "WINCH", 28);

    private Signals() {}

    /** The signal's number (1 to 64); an unknown name or number is an {@code invalid_field} error. */
    static int parse(String signal) {
        String name = signal.toUpperCase(Locale.ROOT).replaceFirst("^SIG", "");
        Integer number = NUMBERS.get(name);
        if (number == null) {
            try {
                number = Integer.parseInt(name);
            } catch (NumberFormatException e) {
                number = -1;
            }
        }
        if (number < 1 || number > 64) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "unknown signal " + signal);
        }
        return number;
    }
}
