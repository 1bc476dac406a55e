package dev.berth.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.server.audit.tty.AsciicastHeader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Playing a recording: the pauses it asks for at each speed and idle limit, what it writes, and raw dumps. */
class AsciicastPlayerTest {
    private static final String HEADER = "{\"version\": 2, \"width\": 100, \"height\": 30, \"title\": \"demo\"}\n";
    /** Output at 0.5, 1.0, 1.0 and 4.5 s, with events that are not shown in between. */
    private static final String CAST = HEADER
            + "[0.5, \"o\", \"$ \"]\n"
            + "[0.8, \"i\", \"l\"]\n"
            + "[1.0, \"o\", \"l\"]\n"
            + "[1.0, \"o\", \"s\\r\\n\"]\n"
            + "[2.0, \"r\", \"80x24\"]\n"
            + "[4.5, \"o\", \"\\u001b[32mgrün\\u001b[0m\"]\n"
            + "[4.5, \"m\", \"exit 0\"]\n";

    /** Writes down each pause and what had been shown by then. */
    static final class RecordingSleeper implements Sleeper {
        final List<Duration> pauses = new ArrayList<>();
        final List<String> shownBefore = new ArrayList<>();
        ByteArrayOutputStream screen;

        @Override
        public void sleep(Duration pause) {
            pauses.add(pause);
            shownBefore.add(screen.toString(StandardCharsets.UTF_8));
        }
    }

    final RecordingSleeper sleeper = new RecordingSleeper();
    final ByteArrayOutputStream screen = new ByteArrayOutputStream();

    private AsciicastHeader play(String cast, AsciicastPlayer.Options options) throws Exception {
        sleeper.screen = screen;
        return new AsciicastPlayer(options, sleeper).play(new ByteArrayInputStream(cast.getBytes(StandardCharsets.UTF_8)), screen);
    }

    private static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }

    @Test
    void waitsTheRecordedGapsBetweenOutputAndShowsOnlyOutput() throws Exception {
        AsciicastHeader h = play(CAST, AsciicastPlayer.Options.DEFAULTS);
        assertThat(h.width()).isEqualTo(100);
        assertThat(h.title()).isEqualTo("demo");
        assertThat(sleeper.pauses).containsExactly(ms(500), ms(500), ms(3500));
        assertThat(screen.toString(StandardCharsets.UTF_8)).isEqualTo("$ ls\r\n\u001b[32mgrün\u001b[0m");
    }

    @Test
    void whatCameBeforeAPauseIsShownDuringIt() throws Exception {
        play(CAST, AsciicastPlayer.Options.DEFAULTS);
        assertThat(sleeper.shownBefore).containsExactly("", "$ ", "$ ls\r\n");
    }

    @Test
    void speedDividesEveryPause() throws Exception {
        play(CAST, new AsciicastPlayer.Options(2.0, null, false));
        assertThat(sleeper.pauses).containsExactly(ms(250), ms(250), ms(1750));
    }

    @Test
    void theIdleLimitCapsRecordedPausesBeforeTheSpeedApplies() throws Exception {
        play(CAST, new AsciicastPlayer.Options(2.0, Duration.ofSeconds(1), false));
        assertThat(sleeper.pauses).containsExactly(ms(250), ms(250), ms(500));
    }

    @Test
    void theRecordingsOwnIdleLimitAppliesUnlessOneIsGiven() throws Exception {
        String limited = CAST.replace("\"title\"", "\"idle_time_limit\": 0.75, \"title\"");
        play(limited, AsciicastPlayer.Options.DEFAULTS);
        assertThat(sleeper.pauses).containsExactly(ms(500), ms(500), ms(750));

        sleeper.pauses.clear();
        play(limited, new AsciicastPlayer.Options(1.0, Duration.ofSeconds(2), false));
        assertThat(sleeper.pauses).containsExactly(ms(500), ms(500), ms(2000));
    }

    @Test
    void rawWritesEverythingWithoutWaiting() throws Exception {
        play(CAST, new AsciicastPlayer.Options(1.0, null, true));
        assertThat(sleeper.pauses).isEmpty();
        assertThat(screen.toString(StandardCharsets.UTF_8)).isEqualTo("$ ls\r\n\u001b[32mgrün\u001b[0m");
    }

    @Test
    void roundingDoesNotAddUpOverManyFrames() throws Exception {
        StringBuilder cast = new StringBuilder(HEADER);
        for (int i = 1; i <= 3000; i++) {
            cast.append('[').append(i / 3.0).append(", \"o\", \".\"]\n"); // a frame every third of a second
        }
        play(cast.toString(), new AsciicastPlayer.Options(3.0, null, false));
        assertThat(sleeper.pauses).hasSize(3000);
        // 1000 s at three times the speed; rounding each 1/9 s pause on its own would be 333 ns short
        long total = sleeper.pauses.stream().reduce(Duration.ZERO, Duration::plus).toNanos();
        assertThat(total).isCloseTo(333_333_333_333L, org.assertj.core.data.Offset.offset(10L));
    }

    @Test
    void outOfOrderTimesAndACutOffLastLineDoNotStopPlayback() throws Exception {
        play(HEADER + "[2.0, \"o\", \"a\"]\n[1.0, \"o\", \"b\"]\n[3.0, \"o\", \"c\"]\n[3.5, \"o\", \"d", AsciicastPlayer.Options.DEFAULTS);
        assertThat(sleeper.pauses).containsExactly(ms(2000), ms(1000));
        assertThat(screen.toString(StandardCharsets.UTF_8)).isEqualTo("abc");
    }

    @Test
    void nonsenseOptionsAreRefused() {
        assertThatThrownBy(() -> new AsciicastPlayer.Options(0, null, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AsciicastPlayer.Options(Double.NaN, null, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AsciicastPlayer.Options(1, Duration.ZERO, false)).isInstanceOf(IllegalArgumentException.class);
    }
}
