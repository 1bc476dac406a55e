package dev.berth.server.sessions;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.CommandRequest;
import dev.berth.api.model.ErrorCode;
import dev.berth.api.model.Tty;
import dev.berth.sandbox.spi.TerminalSize;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/** Validation of a command request; each failure has its stable error code. */
final class CommandCheck {
    private static final int MAX_ARGS = 4096;

    private CommandCheck() {}

    static List<String> argv(CommandRequest r) {
        if (r.command() == null && r.argv() == null) {
            throw new ApiException(ErrorCode.MISSING_FIELD, "give either \"command\" (run by /bin/sh -c) or \"argv\"");
        }
        if (r.command() != null && r.argv() != null) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "give either \"command\" or \"argv\", not both");
        }
        List<String> argv = r.command() != null ? List.of("/bin/sh", "-c", r.command()) : r.argv();
        if (argv.isEmpty() || argv.size() > MAX_ARGS) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "argv must hold 1 to " + MAX_ARGS + " strings");
        }
        for (String a : argv) {
            if (a == null || a.indexOf('\0') >= 0) {
                throw new ApiException(ErrorCode.INVALID_FIELD, "argv strings must be non-null and contain no NUL byte");
            }
        }
        if (argv.getFirst().isEmpty()) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "argv[0] must not be empty");
        }
        return List.copyOf(argv);
    }

    static byte[] stdin(CommandRequest r) {
        if (r.stdin() != null && r.stdinBase64() != null) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "give either \"stdin\" or \"stdinBase64\", not both");
        }
        if (r.stdin() != null) {
            return r.stdin().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        if (r.stdinBase64() != null) {
            try {
                return Base64.getDecoder().decode(r.stdinBase64());
            } catch (IllegalArgumentException e) {
                throw new ApiException(ErrorCode.INVALID_FIELD, "stdinBase64 is not valid base64");
            }
        }
        return null;
    }

    /** The terminal a command asked for, or null for pipes. */
    static TerminalSize terminal(Tty tty) {
        if (tty == null) {
            return null;
        }
        if (tty.rows() == null || tty.cols() == null) {
            throw new ApiException(ErrorCode.MISSING_FIELD, "a tty needs \"rows\" and \"cols\"");
        }
        try {
            return new TerminalSize(tty.rows(), tty.cols());
        } catch (IllegalArgumentException e) {
            throw new ApiException(ErrorCode.INVALID_FIELD, e.getMessage());
        }
    }

    static Duration timeout(CommandRequest r) {
        if (r.timeoutSeconds() == null || r.timeoutSeconds() == 0) {
            return null;
        }
        if (r.timeoutSeconds() < 0 || r.timeoutSeconds() > 365L * 24 * 3600) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "timeoutSeconds must be between 0 (none) and one year");
        }
        return Duration.ofSeconds(r.timeoutSeconds());
    }
}
