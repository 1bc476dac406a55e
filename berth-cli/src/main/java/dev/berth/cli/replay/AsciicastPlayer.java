package dev.berth.cli.replay;

import dev.berth.server.audit.tty.AsciicastEvent;
import dev.berth.server.audit.tty.AsciicastHeader;
import dev.berth.server.audit.tty.AsciicastReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Plays an asciicast v2 recording onto a terminal: writes each output event's text when its time
 * comes. Other events (input, resizes, markers) are not shown: a player cannot resize the
 * terminal it writes to. The recording is read as it plays, so a long one starts at once.
 */
public final class AsciicastPlayer {

    /**
     * @param speed     how many times faster than recorded (2.0: twice as fast)
     * @param idleLimit the longest pause, in recorded time (like {@code asciinema play -i}); null
     *                  for the recording's own {@code idle_time_limit}, if it has one
     * @param raw       write all output at once, without waiting
     */
    public record Options(double speed, Duration idleLimit, boolean raw) {
        public static final Options DEFAULTS = new Options(1.0, null, false);

        public Options {
            if (!(speed > 0) || Double.isInfinite(speed)) {
                throw new IllegalArgumentException("speed must be a positive number, not " + speed);
            }
            if (idleLimit != null && (idleLimit.isNegative() || idleLimit.isZero())) {
                throw new IllegalArgumentException("the idle limit must be positive, not " + idleLimit);
            }
        }
    }

    private final Options options;
    private final Sleeper sleeper;

    public AsciicastPlayer(Options options, Sleeper sleeper) {
        this.options = options;
        this.sleeper = sleeper;
    }

    /**
     * Plays {@code cast} onto {@code out}, flushing before each pause so that what was shown is
     * seen while waiting.
     *
     * @return the recording's header (its size, title, …)
     */
    public AsciicastHeader play(InputStream cast, OutputStream out) throws IOException, InterruptedException {
        try (AsciicastReader reader = new AsciicastReader(cast)) {
            Timeline timeline = new Timeline(idleLimitSeconds(reader.header()), options.speed());
            for (AsciicastEvent e; (e = reader.next()) != null; ) {
                if (!e.isOutput()) {
                    continue;
                }
                Duration pause = timeline.pauseBefore(e.time());
                if (!options.raw() && !pause.isZero()) {
                    out.flush();
                    sleeper.sleep(pause);
                }
                out.write(e.data().getBytes(StandardCharsets.UTF_8));
            }
            out.flush();
            return reader.header();
        }
    }

    private double idleLimitSeconds(AsciicastHeader header) {
        if (options.idleLimit() != null) {
            return options.idleLimit().toNanos() / 1e9;
        }
        Double own = header.idleTimeLimit();
        return own != null && own > 0 ? own : Double.POSITIVE_INFINITY;
    }

    /**
     * Recorded times turned into pauses: each gap capped at the idle limit, then divided by the
     * speed. Pauses are differences of points on one scaled timeline, so rounding to nanoseconds
     * never adds up over many frames.
     */
    static final class Timeline {
        private final double idleLimit;
        private final double speed;
        private double lastRecorded;
        private double played;
        private long playedNanos;

        Timeline(double idleLimit, double speed) {
            this.idleLimit = idleLimit;
            this.speed = speed;
        }

        /** The pause before an event recorded at {@code time} seconds; zero for one not later than the last. */
        Duration pauseBefore(double time) {
            double gap = Math.max(0, time - lastRecorded);
            lastRecorded = Math.max(lastRecorded, time);
            played += Math.min(gap, idleLimit);
            long now = Math.round(played / speed * 1e9);
            Duration pause = Duration.ofNanos(now - playedNanos);
            playedNanos = now;
            return pause;
        }
    }
}
