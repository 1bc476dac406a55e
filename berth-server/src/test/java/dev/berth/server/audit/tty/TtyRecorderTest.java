package dev.berth.server.audit.tty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.berth.sandbox.spi.TerminalSize;
import dev.berth.server.testing.TestClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Recording a terminal from its output stream: events, times, UTF-8, gaps, the end, input policy, resuming. */
@Timeout(60)
class TtyRecorderTest {
    private static final Instant T0 = Instant.parse("2025-03-01T12:00:00Z");
    private static final Duration PATIENCE = Duration.ofSeconds(10);
    private static final TtyRecorder.Config FAST = new TtyRecorder.Config(false, Duration.ofMillis(20));
    private static final TtyRecorder.Config WITH_INPUT = new TtyRecorder.Config(true, Duration.ofMillis(20));

    @TempDir
    Path dir;

    final FakeTty tty = new FakeTty();
    final TestClock clock = new TestClock(T0);
    final List<TtyRecorder> recorders = new ArrayList<>();

    @AfterEach
    void closeAll() {
        recorders.forEach(TtyRecorder::close);
    }

    private Path cast() {
        return dir.resolve("t-fake.cast");
    }

    private TtyRecorder record(TtyRecorder.Config config) throws Exception {
        TtyRecorder r = TtyRecorder.start(tty, cast(), new AsciicastHeader(80, 24, T0, "/bin/sh", "t-fake in s1",
                Map.of("TERM", "xterm")), config, clock);
        recorders.add(r);
        return r;
    }

    /** Prints a chunk and waits until the recorder is done with it (it asked for the next). */
    private void print(byte[] bytes) {
        tty.print(bytes);
        long end = tty.printed().length;
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(5)).until(() -> tty.consumed() >= end);
    }

    private void print(String text) {
        print(text.getBytes(StandardCharsets.UTF_8));
    }

    private Asciicast finish(TtyRecorder r, int code) throws Exception {
        tty.exit(code);
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(5)).until(r::isDone);
        assertThat(r.failure()).isEmpty();
        return AsciicastReader.readAll(cast());
    }

    private String printedText() {
        return new String(tty.printed(), StandardCharsets.UTF_8);
    }

    @Test
    void recordsTheHeaderAndEachChunkAtTheTimeItWasRead() throws Exception {
        TtyRecorder r = record(FAST);
        clock.advance(Duration.ofMillis(250));
        print("$ ");
        clock.advance(Duration.ofMillis(1000));
        print("ls\r\n");
        clock.advance(Duration.ofMillis(500));
        print("a  b\r\n");
        clock.advance(Duration.ofMillis(250));
        Asciicast c = finish(r, 3);

        assertThat(c.header()).isEqualTo(new AsciicastHeader(80, 24, T0, "/bin/sh", "t-fake in s1", Map.of("TERM", "xterm")));
        assertThat(c.events(AsciicastEvent.OUTPUT)).extracting(AsciicastEvent::time, AsciicastEvent::data).containsExactly(
                org.assertj.core.groups.Tuple.tuple(0.25, "$ "),
                org.assertj.core.groups.Tuple.tuple(1.25, "ls\r\n"),
                org.assertj.core.groups.Tuple.tuple(1.75, "a  b\r\n"));
        assertThat(c.events().getLast()).as("how it ended, as a marker last")
                .isEqualTo(new AsciicastEvent(2.0, AsciicastEvent.MARKER, "exit 3"));
        assertThat(r.recordedOffset()).isEqualTo(tty.printed().length);
    }

    @Test
    void aCharacterSplitAcrossChunksIsRecordedAsOne() throws Exception {
        TtyRecorder r = record(FAST);
        byte[] smile = "😀".getBytes(StandardCharsets.UTF_8);
        print(new byte[] {'>', smile[0]});
        print(new byte[] {smile[1], smile[2]});
        print(new byte[] {smile[3], '<'});
        Asciicast c = finish(r, 0);
        assertThat(c.output()).isEqualTo(">😀<");
        assertThat(c.events(AsciicastEvent.OUTPUT)).extracting(AsciicastEvent::data).containsExactly(">", "😀<");
    }

    @Test
    void controlBytesAndTextReadBackExactlyAsTheTerminalPrintedThem() throws Exception {
        TtyRecorder r = record(FAST);
        byte[] every = new byte[0x80];
        for (int b = 0; b < every.length; b++) {
            every[b] = (byte) b;
        }
        print(every);
        print("\u001b[?1049h\u001b[1;1H\u001b[38;5;196mrød\u001b[0m\t\"x\"\\y\u0007");
        print(new byte[] {(byte) 0xe4, (byte) 0xb8}); // 中 in two chunks, the second also holds more
        print(new byte[] {(byte) 0xad, '\r', '\n'});
        Asciicast c = finish(r, 0);
        assertThat(c.output()).isEqualTo(printedText());
        assertThat(Files.readString(cast())).as("escaped in the file").doesNotContain("\u001b");
    }

    @Test
    void resizesAreRecorded() throws Exception {
        TtyRecorder r = record(FAST);
        clock.advance(Duration.ofSeconds(2));
        r.resize(new TerminalSize(40, 132));
        Asciicast c = finish(r, 0);
        assertThat(c.events(AsciicastEvent.RESIZE)).containsExactly(new AsciicastEvent(2.0, AsciicastEvent.RESIZE, "132x40"));
    }

    @Test
    void inputIsNotRecordedUnlessThePolicySaysSo() throws Exception {
        TtyRecorder r = record(FAST);
        r.input("secret\r".getBytes(StandardCharsets.UTF_8));
        assertThat(finish(r, 0).events(AsciicastEvent.INPUT)).isEmpty();
    }

    @Test
    void inputIsRecordedWhenThePolicySaysSoEvenWhileTheTerminalIsQuiet() throws Exception {
        TtyRecorder r = record(WITH_INPUT);
        clock.advance(Duration.ofMillis(1500));
        r.input("ls\r".getBytes(StandardCharsets.UTF_8));
        // no output comes to commit it: the recorder's idle tick puts it in the file
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(5)).until(() -> Files.readString(cast()).contains("\"i\""));
        assertThat(AsciicastReader.readAll(cast()).events(AsciicastEvent.INPUT))
                .containsExactly(new AsciicastEvent(1.5, AsciicastEvent.INPUT, "ls\r"));
    }

    @Test
    void outputTrimmedBeforeTheRecorderGotToItIsMarked() throws Exception {
        tty.print("lost to trimming");
        tty.print("kept");
        tty.trim(16);
        TtyRecorder r = record(FAST);
        Asciicast c = finish(r, 0);
        assertThat(c.output()).isEqualTo("\r\n[berth: 16 bytes of output were trimmed before recording]\r\nkept");
    }

    @Test
    void closingStopsFollowingAndTheCommandGoesOn() throws Exception {
        TtyRecorder r = record(FAST);
        print("before");
        r.close();
        assertThat(r.isDone()).isTrue();
        assertThat(tty.openCursors()).isZero();
        assertThat(tty.exit()).isEmpty();
        tty.print("after");
        r.input("typed late".getBytes(StandardCharsets.UTF_8)); // a client leaving: no error
        assertThat(AsciicastReader.readAll(cast()).output()).isEqualTo("before");
        assertThat(r.recordedOffset()).isEqualTo(6);
    }

    @Test
    void aRestartedRecorderGoesOnWithoutLosingOrRepeatingOutput() throws Exception {
        byte[] e = "é".getBytes(StandardCharsets.UTF_8);
        TtyRecorder first = record(FAST);
        print("one ");
        print(new byte[] {'t', 'w', 'o', ' ', e[0]}); // stopped with half a character read
        clock.advance(Duration.ofSeconds(3));
        first.close();
        assertThat(first.recordedOffset()).as("the half character is read again").isEqualTo(8);

        tty.print(new byte[] {e[1], ' '}); // printed while no server was recording
        tty.print("three ");
        // a server killed after writing events it had not checkpointed, the last one torn
        Files.writeString(cast(), "[3.0,\"o\",\"unchecked \"]\n[3.1,\"o\",\"tor", StandardOpenOption.APPEND);

        clock.advance(Duration.ofSeconds(1));
        TtyRecorder second = record(FAST);
        assertThat(second.resumedFromOffset()).isEqualTo(8);
        print("four");
        Asciicast c = finish(second, 0);
        assertThat(c.output()).isEqualTo("one two é three four");
        assertThat(c.output()).isEqualTo(printedText());
        List<Double> times = c.events().stream().map(AsciicastEvent::time).toList();
        assertThat(times).isSorted();
        assertThat(times.getLast()).isEqualTo(4.0);
    }

    @Test
    void aFinishedRecordingIsLeftAsItIs() throws Exception {
        TtyRecorder r = record(FAST);
        print("done");
        finish(r, 0);
        byte[] before = Files.readAllBytes(cast());
        TtyRecorder again = record(FAST);
        assertThat(again.isDone()).isTrue();
        assertThat(Files.readAllBytes(cast())).isEqualTo(before);
    }

    @Test
    void aRecordingWithoutACheckpointStartsAfresh() throws Exception {
        Files.writeString(cast(), "{\"version\": 2, \"wid"); // torn before its first checkpoint
        tty.print("all of it");
        Asciicast c = finish(record(FAST), 0);
        assertThat(c.output()).isEqualTo("all of it");
    }
}
