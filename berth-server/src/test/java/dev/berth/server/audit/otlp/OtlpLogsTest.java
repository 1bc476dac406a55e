package dev.berth.server.audit.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.berth.server.audit.AuditEvent;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.SeverityNumber;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OtlpLogsTest {
    private static final Instant T = Instant.parse("2026-03-01T12:00:00.123456789Z");

    @Test
    void detailValuesKeepTheirJsonTypes() {
        Map<String, AnyValue> a = attributes(event("ok", "1.2.3.4:5", Map.of(
                "big", new BigInteger("123456789012345678901234567890"),
                "small", BigInteger.TEN,
                "ratio", new BigDecimal("1.5"),
                "raw", new byte[] {1, 2},
                "mixed", Arrays.asList("a", 1, null, true),
                "when", T)));

        assertThat(a.get("berth.detail.big")).isEqualTo(text("123456789012345678901234567890"));
        assertThat(a.get("berth.detail.small")).isEqualTo(AnyValue.newBuilder().setIntValue(10).build());
        assertThat(a.get("berth.detail.ratio")).isEqualTo(AnyValue.newBuilder().setDoubleValue(1.5).build());
        assertThat(a.get("berth.detail.raw").getBytesValue()).isEqualTo(ByteString.copyFrom(new byte[] {1, 2}));
        assertThat(a.get("berth.detail.mixed").getArrayValue().getValuesList()).containsExactly(text("a"),
                AnyValue.newBuilder().setIntValue(1).build(), AnyValue.getDefaultInstance(),
                AnyValue.newBuilder().setBoolValue(true).build());
        assertThat(a.get("berth.detail.when")).isEqualTo(text(T.toString()));
    }

    @Test
    void detailsAreEncodedInKeyOrderSoAnEventAlwaysEncodesAlike() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("zeta", 1);
        details.put("alpha", 2);
        details.put("mid", 3);

        List<String> keys = record(event("ok", null, details)).getAttributesList().stream().map(KeyValue::getKey)
                .filter(k -> k.startsWith(OtlpLogs.DETAIL_PREFIX)).toList();

        assertThat(keys).containsExactly("berth.detail.alpha", "berth.detail.mid", "berth.detail.zeta");
        assertThat(OtlpLogs.value(Map.of("b", 1, "a", 2, "c", 3)).getKvlistValue().getValuesList())
                .extracting(KeyValue::getKey).containsExactly("a", "b", "c");
    }

    @ParameterizedTest
    @CsvSource({
            "ok, SEVERITY_NUMBER_INFO",
            "denied, SEVERITY_NUMBER_WARN",
            "error:session_not_found, SEVERITY_NUMBER_ERROR",
            "error, SEVERITY_NUMBER_ERROR",
            "errorish, SEVERITY_NUMBER_INFO"})
    void severityFollowsTheOutcome(String outcome, SeverityNumber expected) {
        assertThat(OtlpLogs.severity(outcome)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(nullValues = "-", value = {
            "10.0.0.7:51234, 10.0.0.7, 51234",
            "[2001:db8::1]:443, 2001:db8::1, 443",
            "host.example:80, host.example, 80",
            "2001:db8::1, 2001:db8::1, -",
            "unix:/run/berth.sock, unix:/run/berth.sock, -",
            "10.0.0.7, 10.0.0.7, -"})
    void theSourceBecomesClientAddressAndPort(String source, String address, Long port) {
        Map<String, AnyValue> a = attributes(event("ok", source, Map.of()));

        assertThat(a.get("client.address")).isEqualTo(text(address));
        if (port == null) {
            assertThat(a).doesNotContainKey("client.port");
        } else {
            assertThat(a.get("client.port").getIntValue()).isEqualTo(port);
        }
    }

    @Test
    void theTimeIsExactToTheNanosecond() {
        assertThat(record(event("ok", null, Map.of())).getTimeUnixNano()).isEqualTo(1_772_366_400_123_456_789L);
    }

    @Test
    void theBodyLeavesOutAMissingResource() {
        AuditEvent e = new AuditEvent(1, T, "alice", "token", null, null, null, "auth.login", "denied", Map.of());
        assertThat(OtlpLogs.body(e)).isEqualTo("alice auth.login denied");
    }

    private static AuditEvent event(String outcome, String source, Map<String, Object> details) {
        return new AuditEvent(7, T, "alice", "token", source, "s-1", "session/s-1", "session.create", outcome, details);
    }

    private static LogRecord record(AuditEvent e) {
        return OtlpLogs.record(e, 0);
    }

    private static Map<String, AnyValue> attributes(AuditEvent e) {
        return record(e).getAttributesList().stream().collect(Collectors.toMap(KeyValue::getKey, KeyValue::getValue));
    }

    private static AnyValue text(String s) {
        return AnyValue.newBuilder().setStringValue(s).build();
    }
}
