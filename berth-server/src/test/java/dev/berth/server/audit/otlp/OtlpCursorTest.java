package dev.berth.server.audit.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OtlpCursorTest {
    @TempDir
    Path dir;

    @Test
    void aFreshStateDirectoryStartsAtZero() throws IOException {
        assertThat(new Cursor(dir.resolve("new/otlp")).load()).isZero();
        assertThat(dir.resolve("new/otlp")).isDirectory();
    }

    @Test
    void aStoredSeqIsReadBackByANewCursorAndNoTemporaryFileStays() throws IOException {
        new Cursor(dir).store(41);
        new Cursor(dir).store(42);

        assertThat(new Cursor(dir).load()).isEqualTo(42);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly(Cursor.FILE);
        }
    }

    @Test
    void aFileThatIsNotASeqIsReportedNotGuessed() throws IOException {
        Files.writeString(dir.resolve(Cursor.FILE), "forty-two");

        assertThatThrownBy(() -> new Cursor(dir).load()).isInstanceOf(IOException.class)
                .hasMessageContaining("does not hold a seq");
    }
}
