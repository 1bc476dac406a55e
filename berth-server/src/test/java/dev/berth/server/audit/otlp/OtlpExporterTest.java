package dev.berth.server.audit.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.berth.server.audit.AuditEvent;
import dev.berth.server.audit.otlp.OtlpReceiver.Received;
import dev.berth.server.audit.otlp.OtlpReceiver.Reply;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.SeverityNumber;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OtlpExporterTest {
    private static final Duration FAST_BACKOFF = Duration.ofMillis(100);

    @TempDir
    Path state;

    private final MemoryAuditSource source = new MemoryAuditSource();
    private final OtlpReceiver receiver = new OtlpReceiver();
    private final List<OtlpExporter> exporters = new ArrayList<>();

    @BeforeEach
    void startReceiver() throws Exception {
        receiver.start();
    }

    @AfterEach
    void stopAll() throws Exception {
        exporters.forEach(OtlpExporter::close);
        receiver.close();
    }

    @Test
    void everyEventArrivesWithItsFieldsAsTypedAttributes() throws Exception {
        AuditEvent exit = source.append("alice", "token", "10.0.0.7:51234", "s-1", "command/c-3", "command.exit", "ok",
                Map.of("argv", List.of("ls", "-l"), "exit", 0, "durationMs", 1234L, "timedOut", false,
                        "cpuSeconds", 0.25, "cwd", "/mnt/workspace"));
        AuditEvent denied = source.append("bob", "oidc", "[::1]:4000", "s-2", "session/s-2", "session.create",
                "denied", Map.of());
        AuditEvent failed = source.append("system", "system", null, null, "runtime/py@1", "runtime.deploy",
                "error:image_not_found", Map.of("layers", Map.of("count", 3)));

        start(config(16, Duration.ofMillis(50)));

        awaitFast().until(() -> receiver.deliveredSeqs().size() == 3);
        ExportLogsServiceRequest request = receiver.requests().getFirst().request();
        assertThat(request.getResourceLogsCount()).isEqualTo(1);
        assertThat(attributes(request.getResourceLogs(0).getResource().getAttributesList()))
                .containsEntry("service.name", text("berth-test"))
                .hasEntrySatisfying("host.name", v -> assertThat(v.getStringValue()).isNotBlank());
        assertThat(request.getResourceLogs(0).getScopeLogsCount()).isEqualTo(1);
        assertThat(request.getResourceLogs(0).getScopeLogs(0).getScope().getName()).isEqualTo("dev.berth.audit");

        List<LogRecord> records = receiver.delivered();
        LogRecord first = records.get(0);
        assertThat(first.getTimeUnixNano()).isEqualTo(MemoryAuditSource.nanos(exit.time()));
        assertThat(first.getObservedTimeUnixNano()).isGreaterThanOrEqualTo(first.getTimeUnixNano());
        assertThat(first.getSeverityNumber()).isEqualTo(SeverityNumber.SEVERITY_NUMBER_INFO);
        assertThat(first.getSeverityText()).isEqualTo("INFO");
        assertThat(first.getBody().getStringValue()).isEqualTo("alice command.exit command/c-3 ok");
        Map<String, AnyValue> a = attributes(first.getAttributesList());
        assertThat(a).containsOnlyKeys("berth.seq", "enduser.id", "berth.auth_method", "client.address",
                "client.port", "berth.session", "berth.resource", "berth.action", "berth.outcome",
                "berth.detail.argv", "berth.detail.exit", "berth.detail.durationMs", "berth.detail.timedOut",
                "berth.detail.cpuSeconds", "berth.detail.cwd");
        assertThat(a.get("berth.seq").getValueCase()).isEqualTo(AnyValue.ValueCase.INT_VALUE);
        assertThat(a.get("berth.seq").getIntValue()).isEqualTo(1);
        assertThat(a).containsEntry("enduser.id", text("alice"))
                .containsEntry("berth.auth_method", text("token"))
                .containsEntry("client.address", text("10.0.0.7"))
                .containsEntry("client.port", AnyValue.newBuilder().setIntValue(51234).build())
                .containsEntry("berth.session", text("s-1"))
                .containsEntry("berth.resource", text("command/c-3"))
                .containsEntry("berth.action", text("command.exit"))
                .containsEntry("berth.outcome", text("ok"))
                .containsEntry("berth.detail.exit", AnyValue.newBuilder().setIntValue(0).build())
                .containsEntry("berth.detail.durationMs", AnyValue.newBuilder().setIntValue(1234).build())
                .containsEntry("berth.detail.timedOut", AnyValue.newBuilder().setBoolValue(false).build())
                .containsEntry("berth.detail.cpuSeconds", AnyValue.newBuilder().setDoubleValue(0.25).build())
                .containsEntry("berth.detail.cwd", text("/mnt/workspace"));
        assertThat(a.get("berth.detail.argv").getArrayValue().getValuesList()).containsExactly(text("ls"), text("-l"));

        LogRecord second = records.get(1);
        assertThat(second.getSeverityNumber()).isEqualTo(SeverityNumber.SEVERITY_NUMBER_WARN);
        assertThat(attributes(second.getAttributesList()))
                .containsEntry("client.address", text("::1"))
                .containsEntry("berth.seq", AnyValue.newBuilder().setIntValue(denied.seq()).build());

        LogRecord third = records.get(2);
        assertThat(third.getSeverityNumber()).isEqualTo(SeverityNumber.SEVERITY_NUMBER_ERROR);
        assertThat(third.getBody().getStringValue()).isEqualTo("system runtime.deploy runtime/py@1 error:image_not_found");
        Map<String, AnyValue> t = attributes(third.getAttributesList());
        assertThat(t).doesNotContainKeys("client.address", "berth.session")
                .containsEntry("berth.seq", AnyValue.newBuilder().setIntValue(failed.seq()).build());
        assertThat(attributes(t.get("berth.detail.layers").getKvlistValue().getValuesList()))
                .containsExactly(Map.entry("count", AnyValue.newBuilder().setIntValue(3).build()));
    }

    @Test
    void fullBatchesGoAtOnceAndTheRestWhenTheFlushIntervalHasPassed() throws Exception {
        source.appendCommands(25);
        Duration flush = Duration.ofSeconds(1);

        start(config(10, flush));

        awaitFast().until(() -> receiver.deliveredSeqs().size() == 25);
        List<Received> requests = receiver.requests();
        assertThat(requests).extracting(r -> r.records().size()).containsExactly(10, 10, 5);
        assertThat(receiver.deliveredSeqs()).isEqualTo(seqs(1, 25));
        // the flush timer starts when the exporter sees the first event after the second batch
        assertThat(Duration.ofNanos(requests.get(2).atNanos() - requests.get(1).atNanos())).isGreaterThanOrEqualTo(flush);
    }

    @Test
    void eventsRecordedWhileAPartialBatchWaitsJoinIt() throws Exception {
        start(config(100, Duration.ofSeconds(1)));
        source.appendCommands(1);
        // the exporter holds seq 1 and now waits for more until the flush interval ends
        awaitFast().until(() -> source.awaited(1));
        source.appendCommands(2);

        awaitFast().until(() -> receiver.deliveredSeqs().size() == 3);
        assertThat(receiver.requests()).singleElement().extracting(Received::seqs).isEqualTo(seqs(1, 3));
    }

    @Test
    void eventsRecordedWhileTheReceiverIsDownAreAllDeliveredInOrderWhenItReturns() throws Exception {
        OtlpExporter exporter = start(config(5, Duration.ofMillis(50)));
        source.appendCommands(7);
        awaitFast().until(() -> receiver.deliveredSeqs().size() == 7);

        receiver.stop();
        source.appendCommands(13);
        awaitFast().until(() -> exporter.stats().failedAttempts() >= 2);
        assertThat(exporter.stats().lastError()).contains("cannot reach");
        assertThat(exporter.stats().lag()).isEqualTo(13);
        assertThat(receiver.deliveredSeqs()).hasSize(7);

        receiver.start();
        awaitFast().until(() -> receiver.deliveredSeqs().size() == 20);
        assertThat(receiver.deliveredSeqs()).isEqualTo(seqs(1, 20));
        awaitFast().until(() -> exporter.stats().lag() == 0);
        assertThat(exporter.stats().exported()).isEqualTo(20);
        assertThat(exporter.stats().lastExportedSeq()).isEqualTo(20);
    }

    @ParameterizedTest
    @ValueSource(ints = {503, 429, 500})
    void aBusyOrFailingReceiverGetsTheSameEventsAgainUntilItTakesThem(int status) throws Exception {
        receiver.respondWith(r -> Reply.status(status));
        source.appendCommands(12);
        OtlpExporter exporter = start(config(5, Duration.ofMillis(50)));

        awaitFast().until(() -> exporter.stats().failedAttempts() >= 3);
        assertThat(receiver.deliveredSeqs()).isEmpty();
        // every retry carries the same first batch: nothing moves past it while it is not acknowledged
        assertThat(receiver.requests()).extracting(Received::seqs).containsOnly(seqs(1, 5));
        assertThat(exporter.stats().lastError()).contains("HTTP " + status);
        assertThat(exporter.stats().lag()).isEqualTo(12);

        receiver.respondWith(r -> Reply.ok());
        awaitFast().until(() -> receiver.deliveredSeqs().size() == 12);
        assertThat(receiver.deliveredSeqs()).isEqualTo(seqs(1, 12));
        awaitFast().until(() -> exporter.stats().lag() == 0);
    }

    @Test
    void retryAfterIsHonouredEvenBeyondTheBackoffCeiling() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        receiver.respondWith(r -> calls.getAndIncrement() == 0 ? Reply.status(503).retryAfter("1") : Reply.ok());
        start(new OtlpConfig(receiver.endpoint(), Map.of(), 10, Duration.ZERO, Duration.ofMillis(20), "berth-test"));
        source.appendCommands(1);

        awaitFast().until(() -> receiver.deliveredSeqs().size() == 1);
        List<Received> requests = receiver.requests();
        assertThat(requests).hasSize(2);
        assertThat(Duration.ofNanos(requests.get(1).atNanos() - requests.get(0).atNanos()))
                .isGreaterThanOrEqualTo(Duration.ofMillis(950));
    }

    @Test
    void aRequestThatTimesOutIsRetried() throws Exception {
        receiver.stall();
        OtlpExporter exporter = start(new OtlpConfig(receiver.endpoint(), Map.of(), 10, Duration.ZERO, FAST_BACKOFF,
                "berth-test", Duration.ofMillis(300)));
        source.appendCommands(3);

        awaitFast().until(() -> exporter.stats().failedAttempts() >= 1);
        assertThat(exporter.stats().lastError()).contains("timed out");

        receiver.respondWith(r -> Reply.ok());
        awaitFast().until(() -> receiver.deliveredSeqs().size() == 3);
        assertThat(receiver.deliveredSeqs()).isEqualTo(seqs(1, 3));
    }

    @Test
    void aRestartedExporterResumesAfterTheAcknowledgedBatches() throws Exception {
        OtlpExporter first = start(config(4, Duration.ofMillis(50)));
        source.appendCommands(6);
        awaitFast().until(() -> first.stats().lastExportedSeq() == 6);
        first.close();
        assertThat(Files.readString(state.resolve(Cursor.FILE)).strip()).isEqualTo("6");
        int before = receiver.requests().size();

        source.appendCommands(4);
        OtlpExporter second = start(config(4, Duration.ofMillis(50)));

        awaitFast().until(() -> receiver.deliveredSeqs().size() == 10);
        assertThat(receiver.deliveredSeqs()).isEqualTo(seqs(1, 10));
        assertThat(receiver.requests().subList(before, receiver.requests().size()))
                .extracting(Received::seqs).containsExactly(seqs(7, 10));
        awaitFast().until(() -> second.stats().lag() == 0);
        assertThat(second.stats().exported()).isEqualTo(4);
        assertThat(second.stats().lastExportedSeq()).isEqualTo(10);
    }

    @Test
    void aBatchTheReceiverRefusesIsSkippedAndCounted() throws Exception {
        byte[] status = rpcStatus(3, "seq 3 is malformed");
        receiver.respondWith(r -> seqsOf(r).contains(3L) ? Reply.protobuf(400, status) : Reply.ok());
        source.appendCommands(6);

        OtlpExporter exporter = start(config(2, Duration.ofMillis(50)));

        awaitFast().until(() -> exporter.stats().lag() == 0);
        assertThat(receiver.requests()).extracting(Received::seqs)
                .containsExactly(List.of(1L, 2L), List.of(3L, 4L), List.of(5L, 6L));
        assertThat(receiver.deliveredSeqs()).containsExactly(1L, 2L, 5L, 6L);
        OtlpStats stats = exporter.stats();
        assertThat(stats.skipped()).isEqualTo(2);
        assertThat(stats.exported()).isEqualTo(4);
        assertThat(stats.failedAttempts()).isZero();
        assertThat(stats.lastError()).contains("HTTP 400", "seq 3 is malformed", "3..4");
        assertThat(Files.readString(state.resolve(Cursor.FILE)).strip()).isEqualTo("6");
    }

    @Test
    void aPartialSuccessIsCountedAndTheCursorMovesOn() throws Exception {
        receiver.respondWith(r -> Reply.partial(1, "duplicate record"));
        source.appendCommands(3);

        OtlpExporter exporter = start(config(10, Duration.ofMillis(50)));

        awaitFast().until(() -> exporter.stats().lag() == 0);
        OtlpStats stats = exporter.stats();
        assertThat(stats.exported()).isEqualTo(3);
        assertThat(stats.rejected()).isEqualTo(1);
        assertThat(stats.lastError()).contains("rejected 1 of 3", "duplicate record");
        assertThat(receiver.requests()).hasSize(1);
    }

    @Test
    void configuredHeadersReachTheReceiver() throws Exception {
        start(new OtlpConfig(receiver.endpoint(), Map.of("Authorization", "Bearer s3cret", "X-Scope-OrgID", "tenant-1"),
                10, Duration.ZERO, FAST_BACKOFF, "berth-test"));
        source.appendCommands(1);

        awaitFast().until(() -> receiver.deliveredSeqs().size() == 1);
        assertThat(receiver.requests().getFirst().headers())
                .containsEntry("Authorization", "Bearer s3cret")
                .containsEntry("X-Scope-OrgID", "tenant-1")
                .containsEntry("Content-Type", "application/x-protobuf");
    }

    @Test
    void aHeaderTheHttpClientReservesIsRefusedUpFront() {
        OtlpConfig config = new OtlpConfig(receiver.endpoint(), Map.of("Host", "elsewhere"), 10, Duration.ZERO,
                FAST_BACKOFF, "berth-test");
        assertThatThrownBy(() -> new OtlpExporter(source, config, state))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("OTLP header Host");
    }

    @Test
    void closeDoesNotWaitOutABackoff() throws Exception {
        receiver.respondWith(r -> Reply.status(503).retryAfter("60"));
        OtlpExporter exporter = start(config(10, Duration.ZERO));
        source.appendCommands(1);
        awaitFast().until(() -> exporter.stats().failedAttempts() == 1);

        long t0 = System.nanoTime();
        exporter.close();

        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
        assertThat(Files.exists(state.resolve(Cursor.FILE))).isFalse();
        receiver.respondWith(r -> Reply.ok());
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> receiver.requests().size() == 1);
    }

    @Test
    void closeStopsAnIdleExporterPromptly() throws Exception {
        OtlpExporter exporter = start(config(10, Duration.ofMillis(50)));
        awaitFast().until(() -> source.awaited(0));

        long t0 = System.nanoTime();
        exporter.close();

        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
        source.appendCommands(1);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> receiver.requests().isEmpty());
    }

    private OtlpConfig config(int batchSize, Duration flush) {
        return new OtlpConfig(receiver.endpoint(), Map.of(), batchSize, flush, FAST_BACKOFF, "berth-test");
    }

    private OtlpExporter start(OtlpConfig config) throws IOException {
        OtlpExporter exporter = new OtlpExporter(source, config, state);
        exporters.add(exporter);
        return exporter.start();
    }

    private static ConditionFactory awaitFast() {
        return await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20));
    }

    private static List<Long> seqs(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().toList();
    }

    private static List<Long> seqsOf(ExportLogsServiceRequest r) {
        return new Received(r, Map.of(), 0, 0).seqs();
    }

    private static Map<String, AnyValue> attributes(List<KeyValue> kvs) {
        return kvs.stream().collect(Collectors.toMap(KeyValue::getKey, KeyValue::getValue));
    }

    private static AnyValue text(String s) {
        return AnyValue.newBuilder().setStringValue(s).build();
    }

    /** A google.rpc.Status (code = 1, message = 2), as OTLP receivers put in an error body. */
    static byte[] rpcStatus(int code, String message) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeInt32(1, code);
        out.writeBytes(2, ByteString.copyFromUtf8(message));
        out.flush();
        return bytes.toByteArray();
    }
}
