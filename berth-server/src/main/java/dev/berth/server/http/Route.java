package dev.berth.server.http;

import dev.berth.server.identity.Access;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A method and a path template such as {@code /v1/sessions/{id}}, bound to its action, with what
 * it asks of the caller and, for a call that changes something, the audit action it records.
 *
 * @param audit the action an audit event names ({@code session.create}); null: not audited unless refused
 */
public record Route(String method, List<String> template, Access access, String audit, Action action) {

    @FunctionalInterface
    public interface Action {
        void handle(Exchange exchange) throws Exception;
    }

    public static Route of(String method, String path, Access access, Action action) {
        return new Route(method, List.of(path.substring(1).split("/")), access, null, action);
    }

    /** The same route, recording an audit event {@code action} for every call. */
    public Route audited(String auditAction) {
        return new Route(method, template, access, auditAction, action);
    }

    /** The template as written, for naming a refused call that has no audit action. */
    String path() {
        return "/" + String.join("/", template);
    }

    /** The path parameters if {@code segments} fits this template, else null. */
    Map<String, String> match(List<String> segments) {
        if (segments.size() != template.size()) {
            return null;
        }
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < template.size(); i++) {
            String t = template.get(i);
            String s = segments.get(i);
            if (t.startsWith("{")) {
                if (s.isEmpty()) {
                    return null;
                }
                params.put(t.substring(1, t.length() - 1), s);
            } else if (!t.equals(s)) {
                return null;
            }
        }
        return params;
    }
}
