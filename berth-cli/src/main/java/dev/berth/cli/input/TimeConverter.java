package dev.berth.cli.input;

import dev.berth.api.units.Durations;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import picocli.CommandLine;

/** A point in time: an ISO-8601 instant ({@code 2026-12-01T10:00:00Z}) or a duration ago ({@code 2h}, {@code 7d}). */
public final class TimeConverter implements CommandLine.ITypeConverter<Instant> {
    @Override
    public Instant convert(String value) {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException notAnInstant) {
            try {
                return Instant.now().minus(Durations.parse(value));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(
                        "give an instant such as 2026-12-01T10:00:00Z or a time ago such as 2h or 7d: " + value);
            }
        }
    }
}
