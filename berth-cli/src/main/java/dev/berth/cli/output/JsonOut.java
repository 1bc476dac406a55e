package dev.berth.cli.output;

import dev.berth.api.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;

/** Pretty JSON on stdout, for {@code --json}. */
public final class JsonOut {
    private JsonOut() {}

    public static void print(PrintStream out, Object value) {
        try {
            out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(value));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
