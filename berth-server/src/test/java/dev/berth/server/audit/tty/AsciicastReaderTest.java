package dev.berth.server.audit.tty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading recordings back: any v2 file, one still being written, and files that are not recordings. */
class AsciicastReaderTest {
    private static final String HEADER = "{\"version\": 2, \"width\": 80, \"height\": 24, \"timestamp\": 1504467315,"
            + " \"title\": \"Demo\", \"idle_time_limit\": 2.5, \"env\": {\"TERM\": \"xterm-256color\", \"SHELL\": \"/bin/zsh\"}}\n";

    private static List<AsciicastEvent> events(String file) throws IOException {
        try (AsciicastReader r = reader(file)) {
            List<AsciicastEvent> out = new ArrayList<>();
            for (AsciicastEvent e; (e = r.next()) != null; ) {
                out.add(e);
            }
            return out;
        }
    }

    private static AsciicastReader reader(String file) throws IOException {
        return new AsciicastReader(new ByteArrayInputStream(file.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void readsTheHeaderAndEventsOfAnAsciinemaRecording() throws Exception {
        try (AsciicastReader r = reader(HEADER + "[0.248848, \"o\", \"\\u001b[1;31mHello\"]\n[1.5, \"m\", \"\"]\n")) {
            AsciicastHeader h = r.header();
            assertThat(h.width()).isEqualTo(80);
            assertThat(h.height()).isEqualTo(24);
            assertThat(h.timestamp()).isEqualTo(Instant.ofEpochSecond(1504467315));
            assertThat(h.title()).isEqualTo("Demo");
            assertThat(h.command()).isNull();
            assertThat(h.idleTimeLimit()).isEqualTo(2.5);
            assertThat(h.env()).containsEntry("SHELL", "/bin/zsh");
            assertThat(r.next()).isEqualTo(new AsciicastEvent(0.248848, "o", "\u001b[1;31mHello"));
            assertThat(r.next()).isEqualTo(new AsciicastEvent(1.5, "m", ""));
            assertThat(r.next()).isNull();
        }
    }

    @Test
    void aCutOffLastLineIsNotAnEvent() throws Exception {
        assertThat(events(HEADER + "[0.1, \"o\", \"a\"]\n[0.2, \"o\", \"b")).extracting(AsciicastEvent::data).containsExactly("a");
        assertThat(events(HEADER + "[0.1, \"o\", \"a\"]")).as("complete, only without its newline")
                .extracting(AsciicastEvent::data).containsExactly("a");
    }

    @Test
    void aBadLineBeforeTheLastIsAnError() {
        assertThatThrownBy(() -> events(HEADER + "[0.1, \"o\", \"a\n[0.2, \"o\", \"b\"]\n"))
                .isInstanceOf(IOException.class).hasMessageContaining("line 2");
        assertThatThrownBy(() -> events(HEADER + "{\"not\": \"an event\"}\n"))
                .isInstanceOf(IOException.class).hasMessageContaining("not an event");
    }

    @Test
    void blankLinesAndCodesItDoesNotKnowArePassedOver() throws Exception {
        assertThat(events(HEADER + "\n[0.1, \"x\", \"0\"]\n\n[0.2, \"o\", \"b\"]\n"))
                .extracting(AsciicastEvent::code).containsExactly("x", "o");
    }

    @Test
    void onlyVersionTwoWithASizeIsARecording() {
        assertThatThrownBy(() -> reader("")).isInstanceOf(IOException.class).hasMessageContaining("no header");
        assertThatThrownBy(() -> reader("{\"version\": 1, \"width\": 80, \"height\": 24}\n"))
                .isInstanceOf(IOException.class).hasMessageContaining("version 1");
        assertThatThrownBy(() -> reader("{\"version\": 2, \"width\": \"wide\", \"height\": 24}\n"))
                .isInstanceOf(IOException.class).hasMessageContaining("width and height");
        assertThatThrownBy(() -> reader("{\"version\": 2, \"wid")).isInstanceOf(IOException.class);
    }
}
