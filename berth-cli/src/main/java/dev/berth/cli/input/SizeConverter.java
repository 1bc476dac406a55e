package dev.berth.cli.input;

import dev.berth.cli.output.Sizes;
import picocli.CommandLine;

/** {@code 512m}, {@code 10g}, {@code 0}: a usage error (exit 2) when malformed. */
public final class SizeConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        try {
            long n = Sizes.parse(value);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("not a size: '" + value + "' (write e.g. 512m, 10g or 0)");
        }
    }
}
