package dev.berth.server.audit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Takes secrets out of an event's details before it is sealed (a sealed event cannot be changed):
 * Berth's own tokens, anything shaped like a JWT, the value after {@code Authorization:},
 * {@code password=} and the like, and every secret value the server was told of. A command line
 * such as {@code curl -H "Authorization: Bearer …"} is kept, without the credential.
 */
public final class Redactor implements UnaryOperator<AuditEvent> {
    public static final String MASK = "[redacted]";
    private static final Pattern BERTH_TOKEN = Pattern.compile("berth_[A-Za-z0-9_-]{16,}");
    private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*");
    private static final Pattern LABELLED = Pattern.compile(
            "(?i)((?:authorization|proxy-authorization)\\s*[:=]\\s*(?:bearer|basic|token)?\\s*"
                    + "|(?:password|passwd|secret|token|api[_-]?key|access[_-]?key)\\s*[:=]\\s*)[\"']?([^\\s\"',;&]+)");

    private final Set<String> known = ConcurrentHashMap.newKeySet();

    /** A secret value to mask wherever it appears (shorter than 6 characters it would mask too much). */
    public void addSecret(String value) {
        if (value != null && value.length() >= 6) {
            known.add(value);
        }
    }

    @Override
    public AuditEvent apply(AuditEvent e) {
        return e.details().isEmpty() ? e : e.withDetails(castMap(clean(e.details())));
    }

    /** {@code text} with every secret in it masked. */
    public String redact(String text) {
        String s = text;
        for (String k : known) {
            if (s.contains(k)) {
                s = s.replace(k, MASK);
            }
        }
        s = BERTH_TOKEN.matcher(s).replaceAll(MASK);
        s = JWT.matcher(s).replaceAll(MASK);
        return LABELLED.matcher(s).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(m.group(1) + MASK));
    }

    private Object clean(Object v) {
        return switch (v) {
            case String s -> redact(s);
            case Map<?, ?> m -> {
                Map<String, Object> out = new LinkedHashMap<>();
                m.forEach((k, val) -> {
                    if (val != null) {
                        out.put(String.valueOf(k), clean(val));
                    }
                });
                yield out;
            }
            case List<?> l -> {
                List<Object> out = new ArrayList<>(l.size());
                l.forEach(x -> out.add(x == null ? null : clean(x)));
                yield out;
            }
            default -> v;
        };
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Object o) {
        return (Map<String, Object>) o;
    }
}
