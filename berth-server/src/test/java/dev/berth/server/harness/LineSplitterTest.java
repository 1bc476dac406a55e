package dev.berth.server.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineSplitterTest {
    private final List<String> lines = new ArrayList<>();

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void linesSplitAcrossChunksAndCrlfAndALastLineWithoutNewline() {
        LineSplitter s = new LineSplitter(100, lines::add);
        s.feed(bytes("{\"a\":"));
        s.feed(bytes("1}\r\nsecond\nthé"));
        s.feed(ByteBuffer.wrap(new byte[] {(byte) 0xC3})); // a character cut between chunks
        s.feed(ByteBuffer.wrap(new byte[] {(byte) 0xA9}));
        s.end();
        assertThat(lines).containsExactly("{\"a\":1}", "second", "théé");
    }

    @Test
    void anOverlongLineIsCutAndTheNextLineIsWhole() {
        LineSplitter s = new LineSplitter(8, lines::add);
        s.feed(bytes("x".repeat(10_000) + "\nok\n"));
        s.end();
        assertThat(lines).containsExactly("xxxxxxxx", "ok");
    }
}
