package dev.berth.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void medianOfAnOddSampleIsItsMiddleValue() {
        Stats s = Stats.of(9, 1, 5, 3, 7);
        assertThat(s.p50()).isEqualTo(5);
        assertThat(s.min()).isEqualTo(1);
        assertThat(s.max()).isEqualTo(9);
        assertThat(s.mean()).isEqualTo(5);
        assertThat(s.n()).isEqualTo(5);
    }

    @Test
    void medianOfAnEvenSampleIsTheMeanOfTheTwoMiddleValues() {
        assertThat(Stats.of(4, 1, 3, 2).p50()).isEqualTo(2.5);
    }

    @Test
    void percentilesInterpolateBetweenRanks() {
        // 1..10: rank of p90 = 0.9 * 9 = 8.1, between 9 and 10
        Stats s = Stats.of(10, 9, 8, 7, 6, 5, 4, 3, 2, 1);
        assertThat(s.p90()).isCloseTo(9.1, within(1e-9));
        assertThat(Stats.of(42).p90()).isEqualTo(42);
    }

    @Test
    void nanosecondsBecomeMilliseconds() {
        assertThat(Stats.ofNanosAsMillis(1_500_000, 2_500_000).p50()).isEqualTo(2.0);
    }

    @Test
    void anEmptySampleIsRefused() {
        assertThatThrownBy(Stats::of).isInstanceOf(IllegalArgumentException.class);
    }
}
