package dev.berth.server.audit.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class OtlpBackoffTest {
    @RepeatedTest(5)
    void waitsDoubleWithinTheirUpperHalfUpToTheCeiling() {
        Backoff b = new Backoff(Duration.ofMillis(1000));
        long[] ceilings = {100, 200, 400, 800, 1000, 1000};
        for (long ceiling : ceilings) {
            assertThat(b.next(null)).isBetween(Duration.ofMillis(ceiling / 2), Duration.ofMillis(ceiling));
        }
    }

    @Test
    void aCeilingBelowTheFirstStepCapsEveryWait() {
        Backoff b = new Backoff(Duration.ofMillis(20));
        for (int i = 0; i < 4; i++) {
            assertThat(b.next(null)).isLessThanOrEqualTo(Duration.ofMillis(20));
        }
    }

    @Test
    void aReceiversRetryAfterReplacesTheComputedWait() {
        Backoff b = new Backoff(Duration.ofMillis(100));
        assertThat(b.next(Duration.ofSeconds(3))).isEqualTo(Duration.ofSeconds(3));
    }
}
