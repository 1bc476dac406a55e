package dev.berth.server.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LifecyclePolicyTest {
    private static final LifecyclePolicy SERVER = new LifecyclePolicy(
            new Lifetime(Duration.ofMinutes(15), Duration.ofDays(14), Duration.ofDays(90)), 10L << 30);
    private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");

    @Test
    void aSessionTakesTheServersSettingsWhereItHasNoneOfItsOwn() {
        assertThat(SERVER.resolve(Lifetime.SERVER_DEFAULTS)).isEqualTo(SERVER.defaults());
        Lifetime own = SERVER.resolve(new Lifetime(Duration.ofHours(1), null, null));
        assertThat(own).isEqualTo(new Lifetime(Duration.ofHours(1), Duration.ofDays(14), Duration.ofDays(90)));
    }

    @Test
    void retentionAndMaximumLifetimeAreCappedByTheServerButIdleIsNot() {
        Lifetime asked = new Lifetime(Duration.ofDays(400), Duration.ofDays(30), Duration.ofDays(365));
        assertThat(SERVER.resolve(asked)).isEqualTo(new Lifetime(Duration.ofDays(400), Duration.ofDays(14), Duration.ofDays(90)));
        Lifetime less = new Lifetime(Duration.ZERO, Duration.ofDays(1), Duration.ofHours(8));
        assertThat(SERVER.resolve(less)).isEqualTo(less);
        // asking for no maximum lifetime gets the server's; a server without one grants any
        assertThat(SERVER.resolve(new Lifetime(null, null, Duration.ZERO)).maxLifetime()).isEqualTo(Duration.ofDays(90));
        LifecyclePolicy unlimited = new LifecyclePolicy(new Lifetime(Duration.ZERO, Duration.ofDays(14), Duration.ZERO), 0);
        assertThat(unlimited.resolve(new Lifetime(null, null, Duration.ofDays(365))).maxLifetime()).isEqualTo(Duration.ofDays(365));
    }

    @Test
    void deadlinesFollowActivityUntilTheEndOfLife() {
        Lifetime life = new Lifetime(Duration.ofMinutes(15), Duration.ofDays(14), Duration.ofDays(20));
        Instant last = T0.plus(Duration.ofDays(1));
        assertThat(life.idleStopAt(last)).contains(last.plus(Duration.ofMinutes(15)));
        assertThat(life.reclaimAt(T0, last)).isEqualTo(last.plus(Duration.ofDays(14)));
        // active late in life: the end of life comes before retention would
        Instant late = T0.plus(Duration.ofDays(10));
        assertThat(life.reclaimAt(T0, late)).isEqualTo(T0.plus(Duration.ofDays(20)));
        assertThat(new Lifetime(Duration.ZERO, Duration.ofDays(1), Duration.ZERO).idleStopAt(last)).isEmpty();
        assertThat(new Lifetime(Duration.ZERO, Duration.ofDays(1), Duration.ZERO).endsAt(T0)).isEmpty();
    }

    @Test
    void serverSettingsMustMakeSense() {
        assertThatThrownBy(() -> new LifecyclePolicy(new Lifetime(Duration.ZERO, Duration.ZERO, Duration.ZERO), 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LifecyclePolicy(new Lifetime(Duration.ofSeconds(-1), Duration.ofDays(1), Duration.ZERO), 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LifecyclePolicy(new Lifetime(null, Duration.ofDays(1), Duration.ZERO), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
