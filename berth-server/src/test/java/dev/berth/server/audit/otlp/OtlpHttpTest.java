package dev.berth.server.audit.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** How answers are sorted: retried, skipped, or done. */
class OtlpHttpTest {
    private static final byte[] NONE = new byte[0];

    @ParameterizedTest
    @ValueSource(ints = {400, 401, 403, 404, 413, 415})
    void aClientErrorRefusesTheBatch(int status) {
        assertThat(OtlpHttp.classify(status, Optional.empty(), "", NONE)).isInstanceOf(Attempt.Refused.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {408, 429, 500, 502, 503, 504, 302})
    void overloadServerErrorsAndRedirectsAreRetried(int status) {
        assertThat(OtlpHttp.classify(status, Optional.empty(), "", NONE)).isInstanceOf(Attempt.Failed.class);
    }

    @Test
    void retryAfterCountsOnlyFor429And503() {
        assertThat(OtlpHttp.classify(429, Optional.of("7"), "", NONE))
                .isEqualTo(new Attempt.Failed("HTTP 429", Duration.ofSeconds(7)));
        assertThat(OtlpHttp.classify(503, Optional.of("7"), "", NONE))
                .isEqualTo(new Attempt.Failed("HTTP 503", Duration.ofSeconds(7)));
        assertThat(OtlpHttp.classify(500, Optional.of("7"), "", NONE))
                .isEqualTo(new Attempt.Failed("HTTP 500", null));
    }

    @Test
    void retryAfterIsSecondsOrAnHttpDateAndIsBounded() {
        String inAMinute = ZonedDateTime.now().plusSeconds(60).format(DateTimeFormatter.RFC_1123_DATE_TIME);

        assertThat(OtlpHttp.retryAfter(" 12 ")).contains(Duration.ofSeconds(12));
        assertThat(OtlpHttp.retryAfter(inAMinute)).hasValueSatisfying(d ->
                assertThat(d).isBetween(Duration.ofSeconds(55), Duration.ofSeconds(60)));
        assertThat(OtlpHttp.retryAfter("Tue, 01 Jan 2008 00:00:00 GMT")).contains(Duration.ZERO);
        assertThat(OtlpHttp.retryAfter("999999")).contains(OtlpHttp.RETRY_AFTER_CEILING);
        assertThat(OtlpHttp.retryAfter("soon")).isEmpty();
    }

    @Test
    void theReasonComesFromAStatusMessageOrPlainText() throws Exception {
        byte[] status = OtlpExporterTest.rpcStatus(3, "bad attribute");

        assertThat(OtlpHttp.classify(400, Optional.empty(), "application/x-protobuf", status))
                .isEqualTo(new Attempt.Refused(400, "HTTP 400: bad attribute"));
        assertThat(OtlpHttp.classify(400, Optional.empty(), "text/plain; charset=utf-8",
                "no tenant\n".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(new Attempt.Refused(400, "HTTP 400: no tenant"));
        assertThat(OtlpHttp.statusMessage("application/x-protobuf", new byte[] {(byte) 0xff})).isEmpty();
        assertThat(OtlpHttp.statusMessage("application/octet-stream", new byte[] {1, 2, 3})).isEmpty();
        assertThat(OtlpHttp.statusMessage("text/plain", "x".repeat(500).getBytes(StandardCharsets.UTF_8)))
                .hasValueSatisfying(m -> assertThat(m).hasSize(201));
    }

    @Test
    void aSuccessWithoutAProtobufBodyIsFullSuccess() {
        assertThat(OtlpHttp.classify(200, Optional.empty(), "application/json", "{}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(new Attempt.Delivered(0, null));
        assertThat(OtlpHttp.classify(204, Optional.empty(), "", NONE)).isEqualTo(new Attempt.Delivered(0, null));
    }
}
