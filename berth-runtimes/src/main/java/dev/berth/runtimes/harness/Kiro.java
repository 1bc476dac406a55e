package dev.berth.runtimes.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Kiro CLI: {@code kiro-cli chat --no-interactive --trust-all-tools}. It has no JSON output: each
 * non-blank line it prints (terminal escapes removed) is a message.
 *
 * <p>Not installable by Berth: there is no npm package; Kiro's installer fetches it. It signs in to and
 * talks only to Kiro's (AWS's) backend, so the model gateway cannot serve it (its traffic can only go
 * out through the egress proxy, where policy allows those hosts).
 */
public final class Kiro implements Harness {
    public static final String NAME = "kiro";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Optional<NpmPackage> npm() {
        return Optional.empty();
    }

    @Override
    public String installNote() {
        return "the Kiro CLI (kiro-cli) has no npm package: it is installed with Kiro's own installer (https://kiro.dev/cli) "
                + "and signs in to Kiro's backend, which is the only one it talks to";
    }

    @Override
    public List<String> argv(Turn turn) {
        List<String> a = new ArrayList<>(List.of("kiro-cli", "chat", "--no-interactive", "--trust-all-tools"));
        if (turn.model() != null) {
            a.addAll(List.of("--model", turn.model()));
        }
        if (turn.iteration() > 1) {
            a.add("--resume"); // the previous conversation in this directory
        }
        a.add("--");
        a.add(turn.prompt());
        return a;
    }

    @Override
    public Map<String, String> env(Turn turn, String gatewayUrl) {
        return Map.of("NO_COLOR", "1");
    }

    @Override
    public StepParser parser() {
        return OutputLines::plain;
    }
}
