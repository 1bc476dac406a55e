package dev.berth.cli.replay;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Sleeps to a running schedule rather than pause by pause: each pause ends that long after the
 * previous one was due to end, so the little each sleep oversleeps (and the time spent writing
 * frames) is taken off the next pauses instead of adding up over thousands of frames. It catches
 * up on at most {@link #MAX_CATCH_UP}: after a long stall (the terminal was suspended with
 * Ctrl-S, say) playback goes on at its pace instead of rushing through the frames it owes.
 */
final class PacedSleeper implements Sleeper {
    static final Duration MAX_CATCH_UP = Duration.ofMillis(100);

    private final LongSupplier nanoTime;
    private final Sleeper sleep;
    private long due = Long.MIN_VALUE;

    PacedSleeper(LongSupplier nanoTime, Sleeper sleep) {
        this.nanoTime = nanoTime;
        this.sleep = sleep;
    }

    @Override
    public void sleep(Duration pause) throws InterruptedException {
        long now = nanoTime.getAsLong();
        long from = due == Long.MIN_VALUE ? now : Math.max(due, now - MAX_CATCH_UP.toNanos());
        due = from + pause.toNanos();
        if (due > now) {
            sleep.sleep(Duration.ofNanos(due - now));
        }
    }
}
