package dev.berth.server.audit.tty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The asciicast v2 file a writer makes: header, event lines, UTF-8 across events, escapes, times, resuming. */
class AsciicastWriterTest {
    private static final Instant T0 = Instant.parse("2025-03-01T12:00:00.750Z");

    @TempDir
    Path dir;

    private Path cast() {
        return dir.resolve("t.cast");
    }

    private AsciicastWriter writer() throws IOException {
        return AsciicastWriter.create(cast(), new AsciicastHeader(132, 40, T0, "/bin/sh -l", "ops shell",
                Map.of("TERM", "xterm-256color", "SHELL", "/bin/sh")));
    }

    private static Instant at(double seconds) {
        return T0.plusNanos(Math.round(seconds * 1e9));
    }

    @Test
    void theHeaderIsTheFirstLineWithTheFieldsOfTheFormat() throws Exception {
        writer().close();
        List<String> lines = Files.readAllLines(cast());
        assertThat(lines).hasSize(1);
        JsonNode h = Json.mapper().readTree(lines.getFirst());
        assertThat(h.get("version").asInt()).isEqualTo(2);
        assertThat(h.get("width").asInt()).isEqualTo(132);
        assertThat(h.get("height").asInt()).isEqualTo(40);
        assertThat(h.get("timestamp").isIntegralNumber()).as("whole seconds").isTrue();
        assertThat(h.get("timestamp").asLong()).isEqualTo(T0.getEpochSecond());
        assertThat(h.get("command").asText()).isEqualTo("/bin/sh -l");
        assertThat(h.get("title").asText()).isEqualTo("ops shell");
        assertThat(h.get("env").get("TERM").asText()).isEqualTo("xterm-256color");
        assertThat(h.get("env").get("SHELL").asText()).isEqualTo("/bin/sh");
        assertThat(h.has("idle_time_limit")).as("left out when not given").isFalse();
    }

    @Test
    void eventsAreOneLineEachWithPlainSecondsThatNeverGoBack() throws Exception {
        try (AsciicastWriter w = writer()) {
            w.output("a".getBytes(StandardCharsets.UTF_8), at(0.25));
            w.resize(100, 30, at(1.5));
            w.input("x".getBytes(StandardCharsets.UTF_8), at(1.2)); // stamped earlier on another thread
            w.marker("exit 0", at(0.000001 + 2));
            w.output("b".getBytes(StandardCharsets.UTF_8), T0.minusSeconds(5)); // before the start
        }
        List<String> lines = Files.readAllLines(cast());
        assertThat(lines.subList(1, lines.size())).containsExactly(
                "[0.250000,\"o\",\"a\"]",
                "[1.500000,\"r\",\"100x30\"]",
                "[1.500000,\"i\",\"x\"]",
                "[2.000001,\"m\",\"exit 0\"]",
                "[2.000001,\"o\",\"b\"]");
    }

    @Test
    void controlCharactersAreEscapedAndReadBackExactly() throws Exception {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int b = 0; b < 0x80; b++) {
            all.write(b);
        }
        all.writeBytes("\u001b[1;31mred\u001b[0m \"quoted\" back\\slash \u2028 é 😀\r\n".getBytes(StandardCharsets.UTF_8));
        byte[] bytes = all.toByteArray();
        try (AsciicastWriter w = writer()) {
            w.output(bytes, at(1));
        }
        byte[] file = Files.readAllBytes(cast());
        for (byte b : file) {
            assertThat(b == '\n' || (b & 0xff) >= 0x20).as("no raw control byte in the file: 0x%02x", b).isTrue();
        }
        assertThat(new String(file, StandardCharsets.UTF_8)).contains("\\u001B[1;31m");
        assertThat(AsciicastReader.readAll(cast()).output()).isEqualTo(new String(bytes, StandardCharsets.UTF_8));
    }

    @Test
    void aCharacterSplitBetweenEventsIsWrittenWholeWithTheSecond() throws Exception {
        byte[] e = "é".getBytes(StandardCharsets.UTF_8);
        byte[] smile = "😀".getBytes(StandardCharsets.UTF_8);
        try (AsciicastWriter w = writer()) {
            w.output(new byte[] {'a', e[0]}, at(1));
            assertThat(w.pendingOutputBytes()).isEqualTo(1);
            w.output(new byte[] {e[1], smile[0]}, at(2));
            w.output(new byte[] {smile[1], smile[2]}, at(3)); // still not whole: no event
            w.output(new byte[] {smile[3], '!'}, at(4));
            assertThat(w.pendingOutputBytes()).isZero();
        }
        Asciicast c = AsciicastReader.readAll(cast());
        assertThat(c.events(AsciicastEvent.OUTPUT)).extracting(AsciicastEvent::data).containsExactly("a", "é", "😀!");
        assertThat(c.output()).doesNotContain("\uFFFD");
    }

    @Test
    void bytesThatAreNotUtf8AndAnUnfinishedEndBecomeReplacementCharacters() throws Exception {
        try (AsciicastWriter w = writer()) {
            w.output(new byte[] {'a', (byte) 0xff, 'b', (byte) 0xe2, (byte) 0x82}, at(1));
            w.outputBreak(at(2)); // output skipped ahead: the unfinished € cannot be completed
            w.output(new byte[] {'c'}, at(3));
        }
        assertThat(AsciicastReader.readAll(cast()).output()).isEqualTo("a\uFFFDb\uFFFDc");
    }

    @Test
    void randomTextInRandomPiecesReadsBackAsTheWholeText() throws Exception {
        Random random = new Random(42);
        StringBuilder text = new StringBuilder();
        String[] parts = {"ascii ", "ünïcödé ", "中文 ", "😀🎉 ", "\u001b[2J", "\t\b\u0007", "\r\n"};
        for (int i = 0; i < 500; i++) {
            text.append(parts[random.nextInt(parts.length)]);
        }
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        try (AsciicastWriter w = writer()) {
            for (int i = 0; i < bytes.length; ) {
                int n = Math.min(bytes.length - i, 1 + random.nextInt(7));
                w.output(java.nio.ByteBuffer.wrap(bytes, i, n), at(i / 1000.0));
                i += n;
            }
        }
        assertThat(AsciicastReader.readAll(cast()).output()).isEqualTo(text.toString());
    }

    @Test
    void inputIsDecodedOnItsOwnSoItDoesNotMixWithOutput() throws Exception {
        byte[] e = "é".getBytes(StandardCharsets.UTF_8);
        try (AsciicastWriter w = writer()) {
            w.output(new byte[] {e[0]}, at(1));
            w.input(new byte[] {e[0]}, at(1));
            w.input(new byte[] {e[1]}, at(2));
            w.output(new byte[] {e[1]}, at(2));
        }
        Asciicast c = AsciicastReader.readAll(cast());
        assertThat(c.events()).extracting(AsciicastEvent::code, AsciicastEvent::data)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("i", "é"), org.assertj.core.groups.Tuple.tuple("o", "é"));
    }

    @Test
    void resumingCutsTheFileBackAndKeepsTimesGoingForward() throws Exception {
        long kept;
        try (AsciicastWriter w = writer()) {
            w.output("kept".getBytes(StandardCharsets.UTF_8), at(3));
            kept = w.sync().length();
            w.output("written after the checkpoint".getBytes(StandardCharsets.UTF_8), at(4));
        }
        Files.write(cast(), "[5.0,\"o\",\"torn".getBytes(StandardCharsets.UTF_8), java.nio.file.StandardOpenOption.APPEND);
        try (AsciicastWriter w = AsciicastWriter.resume(cast(), T0, kept, 3)) {
            w.output(" again".getBytes(StandardCharsets.UTF_8), at(1)); // a clock that went back
        }
        Asciicast c = AsciicastReader.readAll(cast());
        assertThat(c.output()).isEqualTo("kept again");
        assertThat(c.events()).extracting(AsciicastEvent::time).containsExactly(3.0, 3.0);
    }

    @Test
    void resumingAFileShorterThanItsCheckpointIsRefused() throws Exception {
        long length;
        try (AsciicastWriter w = writer()) {
            length = w.sync().length();
        }
        assertThatThrownBy(() -> AsciicastWriter.resume(cast(), T0, length + 1, 0))
                .isInstanceOf(IOException.class).hasMessageContaining("fewer than");
    }

    @Test
    void closeLeavesAnUnfinishedCharacterOutForWhoeverResumes() throws Exception {
        try (AsciicastWriter w = writer()) {
            w.output(new byte[] {'a', (byte) 0xc3}, at(1));
        }
        assertThat(AsciicastReader.readAll(cast()).output()).isEqualTo("a");
    }
}
