package dev.berth.server.sessions;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import dev.berth.server.store.SessionRecord;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** Environment of sandboxed processes: a clean base, then the session's, then the command's variables. */
final class EnvCheck {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,255}");
    private static final int MAX_VALUE = 128 << 10;

    private EnvCheck() {}

    static boolean validName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    static void validate(Map<String, String> env) {
        env.forEach((k, v) -> {
            if (!validName(k)) {
                throw new ApiException(ErrorCode.INVALID_FIELD, "invalid environment variable name: " + k);
            }
            if (v == null || v.indexOf('\0') >= 0 || v.length() > MAX_VALUE) {
                throw new ApiException(ErrorCode.INVALID_FIELD, "invalid value for environment variable " + k);
            }
        });
    }

    /**
     * Nothing of the host's environment leaks in: only these defaults, where the gateway is (with the
     * session's placeholder keys), and what the client set.
     */
    static Map<String, String> commandEnv(SessionRecord s, Map<String, String> networkEnv, Map<String, String> commandEnv) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        env.put("HOME", "/root");
        env.put("USER", "root");
        env.put("LOGNAME", "root");
        env.put("SHELL", "/bin/sh");
        env.put("LANG", "C.UTF-8");
        env.put("HOSTNAME", s.id());
        env.put("BERTH_SESSION_ID", s.id());
        env.putAll(networkEnv);
        env.putAll(s.env());
        env.putAll(commandEnv);
        return env;
    }
}
