package dev.berth.server.audit;

import dev.berth.sandbox.spi.CommandExit;
import dev.berth.server.store.CommandRecord;
import java.util.LinkedHashMap;
import java.util.Map;

/** The facts a command's end event carries: what ran, where, how it ended, how long, how much output. */
public final class CommandAudit {
    private CommandAudit() {}

    public static Map<String, Object> exitDetails(CommandRecord c, CommandExit exit) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("argv", c.argv());
        d.put("cwd", c.cwd());
        if (exit != null) {
            if (exit.signal() != 0) {
                d.put("signal", exit.signal());
            } else {
                d.put("exit", exit.code());
            }
            if (exit.timedOut()) {
                d.put("timedOut", true);
            }
            d.put("durationMs", exit.durationMs());
            d.put("bytes", exit.endOffset());
        } else {
            d.put("bytes", c.endOffset());
        }
        return d;
    }
}
