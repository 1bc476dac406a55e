package dev.berth.server.audit.otlp;

import com.google.protobuf.ByteString;
import dev.berth.server.audit.AuditEvent;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.logs.v1.SeverityNumber;
import io.opentelemetry.proto.resource.v1.Resource;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/** Audit events as OpenTelemetry log records: one resource, one scope, one record per event. */
final class OtlpLogs {
    static final String SCOPE = "dev.berth.audit";
    static final String DETAIL_PREFIX = "berth.detail.";

    private final Resource resource;

    OtlpLogs(String serviceName, String hostName) {
        this.resource = Resource.newBuilder()
                .addAttributes(attribute("service.name", text(serviceName)))
                .addAttributes(attribute("host.name", text(hostName)))
                .build();
    }

    /** One request for {@code events}, all stamped as observed at {@code observed}. */
    ExportLogsServiceRequest request(List<AuditEvent> events, Instant observed) {
        ScopeLogs.Builder scope = ScopeLogs.newBuilder().setScope(InstrumentationScope.newBuilder().setName(SCOPE));
        long observedNanos = nanos(observed);
        for (AuditEvent e : events) {
            scope.addLogRecords(record(e, observedNanos));
        }
        return ExportLogsServiceRequest.newBuilder()
                .addResourceLogs(ResourceLogs.newBuilder().setResource(resource).addScopeLogs(scope))
                .build();
    }

    static LogRecord record(AuditEvent e, long observedNanos) {
        SeverityNumber severity = severity(e.outcome());
        LogRecord.Builder r = LogRecord.newBuilder()
                .setTimeUnixNano(e.time() == null ? 0 : nanos(e.time())) // 0 is OTLP's "unknown"
                .setObservedTimeUnixNano(observedNanos)
                .setSeverityNumber(severity)
                .setSeverityText(severityText(severity))
                .setBody(text(body(e)));
        r.addAttributes(attribute("berth.seq", AnyValue.newBuilder().setIntValue(e.seq()).build()));
        optional(r, "enduser.id", e.principal());
        optional(r, "berth.auth_method", e.authMethod());
        client(r, e.source());
        optional(r, "berth.session", e.session());
        optional(r, "berth.resource", e.resource());
        optional(r, "berth.action", e.action());
        optional(r, "berth.outcome", e.outcome());
        // sorted, so the same event always encodes the same way
        e.details().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(d -> r.addAttributes(attribute(DETAIL_PREFIX + d.getKey(), value(d.getValue()))));
        return r.build();
    }

    static SeverityNumber severity(String outcome) {
        if (outcome.equals("error") || outcome.startsWith("error:")) {
            return SeverityNumber.SEVERITY_NUMBER_ERROR;
        }
        return "denied".equals(outcome) ? SeverityNumber.SEVERITY_NUMBER_WARN : SeverityNumber.SEVERITY_NUMBER_INFO;
    }

    private static String severityText(SeverityNumber s) {
        return switch (s) {
            case SEVERITY_NUMBER_ERROR -> "ERROR";
            case SEVERITY_NUMBER_WARN -> "WARN";
            default -> "INFO";
        };
    }

    /** The line a person reads in a log viewer: {@code alice command.exit command/c-3 ok}. */
    static String body(AuditEvent e) {
        StringJoiner line = new StringJoiner(" ");
        line.add(e.principal()).add(e.action());
        if (e.resource() != null) {
            line.add(e.resource());
        }
        return line.add(e.outcome()).toString();
    }

    /**
     * Semantic conventions keep the port apart from the address, so {@code host:port} and
     * {@code [v6]:port} are split; anything else is passed on whole as the address.
     */
    private static void client(LogRecord.Builder r, String source) {
        if (source == null) {
            return;
        }
        int colon = source.lastIndexOf(':');
        String host = colon > 0 ? source.substring(0, colon) : source;
        String port = colon > 0 ? source.substring(colon + 1) : "";
        boolean bracketed = host.startsWith("[") && host.endsWith("]");
        if (!port.isEmpty() && port.chars().allMatch(Character::isDigit) && port.length() <= 5
                && (bracketed || host.indexOf(':') < 0)) {
            optional(r, "client.address", bracketed ? host.substring(1, host.length() - 1) : host);
            r.addAttributes(attribute("client.port", AnyValue.newBuilder().setIntValue(Integer.parseInt(port)).build()));
        } else {
            optional(r, "client.address", source);
        }
    }

    /** A JSON-ready value as the typed AnyValue it is; a null (in a list or map) is the empty AnyValue. */
    static AnyValue value(Object v) {
        AnyValue.Builder a = AnyValue.newBuilder();
        switch (v) {
            case null -> { }
            case String s -> a.setStringValue(s);
            case Boolean b -> a.setBoolValue(b);
            case Integer i -> a.setIntValue(i);
            case Long l -> a.setIntValue(l);
            case Short s -> a.setIntValue(s);
            case Byte b -> a.setIntValue(b);
            case BigInteger b when b.bitLength() < 64 -> a.setIntValue(b.longValue());
            case Double d -> a.setDoubleValue(d);
            case Float f -> a.setDoubleValue(f);
            case BigDecimal d -> a.setDoubleValue(d.doubleValue());
            case byte[] bytes -> a.setBytesValue(ByteString.copyFrom(bytes));
            case Iterable<?> list -> {
                ArrayValue.Builder array = ArrayValue.newBuilder();
                list.forEach(item -> array.addValues(value(item)));
                a.setArrayValue(array);
            }
            case Object[] list -> {
                ArrayValue.Builder array = ArrayValue.newBuilder();
                for (Object item : list) {
                    array.addValues(value(item));
                }
                a.setArrayValue(array);
            }
            case Map<?, ?> map -> {
                KeyValueList.Builder kv = KeyValueList.newBuilder();
                Map<String, Object> sorted = new TreeMap<>(); // same order on every encoding, as at the top
                map.forEach((k, item) -> sorted.put(String.valueOf(k), item));
                sorted.forEach((k, item) -> kv.addValues(attribute(k, value(item))));
                a.setKvlistValue(kv);
            }
            default -> a.setStringValue(v.toString());
        }
        return a.build();
    }

    private static void optional(LogRecord.Builder r, String key, String value) {
        if (value != null) {
            r.addAttributes(attribute(key, text(value)));
        }
    }

    private static KeyValue attribute(String key, AnyValue value) {
        return KeyValue.newBuilder().setKey(key).setValue(value).build();
    }

    private static AnyValue text(String s) {
        return AnyValue.newBuilder().setStringValue(s).build();
    }

    private static long nanos(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    }
}
