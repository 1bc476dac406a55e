package dev.berth.cli.replay;

import java.time.Duration;

/** How a player waits between frames; tests give one that only writes the waits down. */
@FunctionalInterface
public interface Sleeper {
    void sleep(Duration pause) throws InterruptedException;

    /** Real time, keeping to the recording's pace over many short pauses (see {@link PacedSleeper}). */
    static Sleeper realTime() {
        return new PacedSleeper(System::nanoTime, Thread::sleep);
    }
}
