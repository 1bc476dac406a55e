package dev.berth.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Real-time pauses kept to one schedule: oversleeping is made up for, a long stall is not rushed through. */
class PacedSleeperTest {
    long now = 1_000_000_000L;
    final List<Duration> slept = new ArrayList<>();
    /** Oversleeps each sleep by this much, as a real one does a little. */
    long oversleep;

    final PacedSleeper paced = new PacedSleeper(() -> now, d -> {
        slept.add(d);
        now += d.toNanos() + oversleep;
    });

    private static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }

    @Test
    void oversleepingIsTakenOffTheNextPauses() throws Exception {
        oversleep = ms(2).toNanos();
        paced.sleep(ms(10));
        paced.sleep(ms(10));
        paced.sleep(ms(10));
        assertThat(slept).containsExactly(ms(10), ms(8), ms(8));
    }

    @Test
    void timeSpentBetweenPausesCountsAsPartOfTheNext() throws Exception {
        paced.sleep(ms(10));
        now += ms(4).toNanos(); // writing a frame took a while
        paced.sleep(ms(10));
        assertThat(slept).containsExactly(ms(10), ms(6));
    }

    @Test
    void afterALongStallPlaybackGoesOnAtItsPace() throws Exception {
        paced.sleep(ms(10));
        now += Duration.ofSeconds(5).toNanos(); // the terminal was suspended
        paced.sleep(ms(50)); // owed, within the catch-up: not slept
        paced.sleep(ms(60)); // 100 ms caught up at most: 10 ms of this one is slept
        paced.sleep(ms(30));
        assertThat(slept).containsExactly(ms(10), ms(10), ms(30));
    }
}
