package dev.berth.cli.input;

import dev.berth.api.units.Durations;
import java.time.Duration;
import picocli.CommandLine;

/** {@code 90s}, {@code 15m}, {@code 14d}, {@code 0}: a usage error (exit 2) when malformed. */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        try {
            return Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
