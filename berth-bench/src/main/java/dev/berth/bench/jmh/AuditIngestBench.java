package dev.berth.bench.jmh;

import dev.berth.server.audit.AuditEvent;
import dev.berth.server.audit.AuditLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Audit ingestion: command events through {@link AuditLog#record} until {@link AuditLog#flush} says
 * they are on disk, into a log in a temporary directory (group commit: one write and one fsync per
 * batch the writer takes). One operation is one event, so ops/s reads as durable events/s.
 * Run: {@code scripts/bench jmh AuditIngestBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AuditIngestBench {
    /** Events each recorder records between flushes: a busy session's burst of commands. */
    private static final int BURST = 1000;

    private Path dir;
    private AuditLog log;
    private AuditEvent[] events;

    @Setup
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("audit-bench");
        log = AuditLog.open(dir.resolve("audit"), dir.resolve("audit.key"), Clock.systemUTC());
        events = new AuditEvent[BURST];
        for (int i = 0; i < BURST; i++) {
            events[i] = AuditEvent.draft("alice", "token", "127.0.0.1:" + (40000 + i), "s-" + (i % 8),
                    "command/c-" + i, "command.exit", i % 50 == 0 ? "error:command_failed" : "ok",
                    Map.of("argv", List.of("python3", "-m", "pytest", "-q", "tests/test_" + i + ".py"),
                            "cwd", "/mnt/workspace/project", "exit", i % 50 == 0 ? 1 : 0, "durationMs", 20 + i % 900,
                            "bytes", Map.of("stdout", 512 + i, "stderr", i % 7 * 64)));
        }
    }

    @TearDown
    public void tearDown() throws IOException {
        log.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    /** One recorder, e.g. one busy session. */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public long oneRecorder() throws InterruptedException {
        return burst();
    }

    /** Four recorders at once, sharing the writer: many sessions. */
    @Benchmark
    @Threads(4)
    @OperationsPerInvocation(BURST)
    public long fourRecorders() throws InterruptedException {
        return burst();
    }

    private long burst() throws InterruptedException {
        for (AuditEvent e : events) {
            log.record(e);
        }
        log.flush();
        return log.lastSeq();
    }
}
