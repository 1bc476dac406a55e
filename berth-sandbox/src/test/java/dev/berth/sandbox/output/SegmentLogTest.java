package dev.berth.sandbox.output;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentLogTest {
    @TempDir
    Path dir;

    private void append(long segment, int stream, String payload) throws IOException {
        byte[] p = payload.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + p.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) stream).put(new byte[3]).putInt(p.length).put(p);
        Files.write(dir.resolve(String.format("%020d.seg", segment)), b.array(), StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    private String readAll(SegmentLog log, long from, StringBuilder streams) throws IOException {
        StringBuilder out = new StringBuilder();
        long offset = from;
        ByteBuffer buf = ByteBuffer.allocate(4);
        while (true) {
            buf.clear();
            SegmentLog.Result r = log.read(offset, buf);
            if (r instanceof SegmentLog.Result.Data d) {
                out.append(new String(buf.array(), 0, d.length(), StandardCharsets.UTF_8));
                streams.append(d.stderr() ? 'e' : 'o');
                offset += d.length();
            } else if (r instanceof SegmentLog.Result.Gap g) {
                out.append('[').append(g.to() - g.from()).append(']');
                offset = g.to();
            } else {
                return out.toString();
            }
        }
    }

    @Test
    void readsAcrossFramesStreamsAndSegments() throws IOException {
        append(0, 1, "hello ");
        append(0, 2, "err ");
        append(10, 1, "world");
        try (SegmentLog log = new SegmentLog(dir)) {
            StringBuilder streams = new StringBuilder();
            assertThat(readAll(log, 0, streams)).isEqualTo("hello err world");
            // 4-byte reads: "hell" "o " | "err " | "worl" "d"
            assertThat(streams.toString()).isEqualTo("ooeoo");
        }
    }

    @Test
    void startsInTheMiddleOfAFrame() throws IOException {
        append(0, 1, "0123456789");
        try (SegmentLog log = new SegmentLog(dir)) {
            assertThat(readAll(log, 7, new StringBuilder())).isEqualTo("789");
        }
    }

    @Test
    void reportsTrimmedOutputAsAGap() throws IOException {
        append(100, 1, "tail");
        try (SegmentLog log = new SegmentLog(dir)) {
            assertThat(readAll(log, 40, new StringBuilder())).isEqualTo("[60]tail");
            assertThat(log.firstOffset()).hasValue(100);
        }
    }

    @Test
    void aHalfWrittenFrameIsPendingUntilComplete() throws IOException {
        append(0, 1, "ab");
        Path seg = dir.resolve(String.format("%020d.seg", 0));
        Files.write(seg, new byte[] {1, 0, 0}, StandardOpenOption.APPEND); // a header cut short
        try (SegmentLog log = new SegmentLog(dir)) {
            assertThat(readAll(log, 0, new StringBuilder())).isEqualTo("ab");
            Files.write(seg, new byte[] {0, 3, 0, 0, 0, 'c', 'd'}, StandardOpenOption.APPEND); // 3-byte payload, 2 written
            assertThat(readAll(log, 2, new StringBuilder())).isEqualTo("cd");
            Files.write(seg, new byte[] {'e'}, StandardOpenOption.APPEND);
            assertThat(readAll(log, 4, new StringBuilder())).isEqualTo("e");
        }
    }

    @Test
    void anEmptyFreshSegmentIsPendingNotALoop() throws IOException {
        Files.createFile(dir.resolve(String.format("%020d.seg", 0)));
        try (SegmentLog log = new SegmentLog(dir)) {
            assertThat(log.read(0, ByteBuffer.allocate(8))).isInstanceOf(SegmentLog.Result.Pending.class);
            append(0, 1, "x");
            assertThat(readAll(log, 0, new StringBuilder())).isEqualTo("x");
        }
    }
}
