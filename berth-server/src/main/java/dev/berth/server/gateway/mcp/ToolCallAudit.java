package dev.berth.server.gateway.mcp;

import dev.berth.server.audit.AuditEvent;
import dev.berth.server.audit.AuditSink;
import dev.berth.server.gateway.GatewaySession;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The audit event of one {@code tools/call}: on behalf of the session's owner, with the arguments
 * as sent except the values of the server's {@code redact} names (at any depth), which become
 * {@code "[redacted]"}.
 */
final class ToolCallAudit {
    static final String ACTION = "mcp.tool.call";
    static final String REDACTED = "[redacted]";
    private final AuditSink sink;

    ToolCallAudit(AuditSink sink) {
        this.sink = sink;
    }

    /**
     * @param outcome {@code ok}, {@code denied} or {@code error:CODE}
     * @param isError the tool's own {@code isError} flag, or null when it gave no result
     */
    void record(GatewaySession session, String tool, Map<String, Object> arguments, Set<String> redact,
            String outcome, long durationNanos, Boolean isError, String message) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("arguments", arguments == null ? Map.of() : redacted(arguments, redact));
        details.put("durationMs", durationNanos / 1_000_000.0);
        if (isError != null) {
            details.put("isError", isError);
        }
        if (message != null) {
            details.put("message", message);
        }
        sink.record(AuditEvent.draft(session.owner(), "gateway", null, session.sessionId(), "tool/" + tool, ACTION,
                outcome, details));
    }

    static Map<String, Object> redacted(Map<String, Object> arguments, Set<String> redact) {
        Map<String, Object> out = new LinkedHashMap<>();
        arguments.forEach((k, v) -> out.put(k, redact.contains(k) ? REDACTED : redactedValue(v, redact)));
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Object redactedValue(Object value, Set<String> redact) {
        if (value instanceof Map<?, ?> m) {
            return redacted((Map<String, Object>) m, redact);
        }
        if (value instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            l.forEach(e -> out.add(redactedValue(e, redact)));
            return out;
        }
        return value;
    }
}
