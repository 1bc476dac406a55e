package dev.berth.server.audit.tty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.sandbox.contract.CommandResult;
import dev.berth.sandbox.contract.TerminalReader;
import dev.berth.sandbox.namespaces.NamespacesConfig;
import dev.berth.sandbox.namespaces.NamespacesDriver;
import dev.berth.sandbox.spi.CommandSpec;
import dev.berth.sandbox.spi.ResourceLimits;
import dev.berth.sandbox.spi.RunningCommand;
import dev.berth.sandbox.spi.Sandbox;
import dev.berth.sandbox.spi.SandboxSpec;
import dev.berth.sandbox.spi.TerminalSize;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real program on a real terminal in a namespaces sandbox, recorded across a restart of its
 * recorder (needs root; skipped with the reason otherwise).
 */
@Timeout(120)
class TtyRecorderSandboxTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path temp;

    NamespacesDriver driver;
    SandboxSpec spec;
    Sandbox sandbox;

    @BeforeEach
    void startSandbox() {
        driver = new NamespacesDriver(NamespacesConfig.defaults(temp.resolve("bin"), "berth-test"));
        assumeTrue(driver.unavailableReason().isEmpty(),
                () -> "namespaces driver unavailable here: " + driver.unavailableReason().orElseThrow());
        spec = new SandboxSpec("rec", temp.resolve("state"), temp.resolve("workspace"),
                new ResourceLimits(256L << 20, 0, 256));
        sandbox = driver.start(spec);
    }

    @AfterEach
    void removeSandbox() {
        if (sandbox != null) {
            sandbox.destroy();
            driver.cleanUp(spec);
        }
    }

    @Test
    void aShellIsRecordedExactlyAcrossARestartOfItsRecorder() throws Exception {
        String script = "printf '\\033[1;32mgrün\\033[0m 😀 ready\\n'; read line; printf 'got %s\\n' \"$line\"; exit 3";
        RunningCommand tty = sandbox.spawn(new CommandSpec("t-rec", List.of("/bin/sh", "-c", script), CommandResult.ENV,
                SandboxSpec.WORKSPACE_MOUNT, null, null, 1 << 20, new TerminalSize(24, 80)));
        Path cast = temp.resolve("t-rec.cast");
        Instant started = Instant.now();
        AsciicastHeader header = new AsciicastHeader(80, 24, started, "/bin/sh -c …", "t-rec", Map.of("TERM", "xterm"));
        TtyRecorder.Config config = new TtyRecorder.Config(false, Duration.ofMillis(50));

        TtyRecorder first = TtyRecorder.start(tty, cast, header, config, Clock.systemUTC());
        try (TerminalReader screen = new TerminalReader(tty.follow(0))) {
            screen.await("ready\r\n");
            long shown = tty.endOffset();
            await().atMost(PATIENCE).until(() -> first.recordedOffset() >= shown);
            first.close(); // the server stops; the shell waits for its line

            tty.write("hi\n".getBytes(StandardCharsets.UTF_8));
            screen.await("got hi\r\n");
            assertThat(screen.awaitExit().code()).isEqualTo(3);
        }

        TtyRecorder second = TtyRecorder.start(tty, cast, header, config, Clock.systemUTC());
        await().atMost(PATIENCE).until(second::isDone);
        assertThat(second.failure()).isEmpty();
        assertThat(second.resumedFromOffset()).isPositive();

        Asciicast c = AsciicastReader.readAll(cast);
        assertThat(c.header().timestamp()).isEqualTo(Instant.ofEpochSecond(started.getEpochSecond()));
        assertThat(c.output()).startsWith("\u001b[1;32mgrün\u001b[0m 😀 ready\r\n").endsWith("got hi\r\n");
        assertThat(c.output()).as("all the terminal showed, once")
                .isEqualTo(CommandResult.collect(tty, 0).stdout());
        assertThat(c.events().getLast()).extracting(AsciicastEvent::code, AsciicastEvent::data)
                .containsExactly(AsciicastEvent.MARKER, "exit 3");
        assertThat(c.events().stream().map(AsciicastEvent::time).toList()).isSorted();
    }
}
