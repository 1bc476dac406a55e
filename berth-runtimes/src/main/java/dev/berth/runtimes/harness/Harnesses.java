package dev.berth.runtimes.harness;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The built-in harnesses, by the name users pass to {@code --harness}. */
public final class Harnesses {
    private static final List<Harness> ALL = List.of(new ClaudeCode(), new Codex(), new Gemini(), new OpenCode(),
            new Kiro(), new Cursor(), new Custom());
    private static final Map<String, Harness> BY_NAME = ALL.stream()
            .collect(Collectors.toUnmodifiableMap(Harness::name, Function.identity()));

    private Harnesses() {}

    /** @throws IllegalArgumentException for a name that is not one of {@link #names()}, saying which are */
    public static Harness named(String name) {
        Harness h = name == null ? null : BY_NAME.get(name);
        if (h == null) {
            throw new IllegalArgumentException("no harness " + (name == null || name.isBlank() ? "named" : name)
                    + ": the harnesses are " + String.join(", ", names()));
        }
        return h;
    }

    /** In the order they are documented. */
    public static List<String> names() {
        return ALL.stream().map(Harness::name).toList();
    }
}
