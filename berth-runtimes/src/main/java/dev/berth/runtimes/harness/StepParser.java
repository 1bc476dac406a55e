package dev.berth.runtimes.harness;

import java.util.List;

/** Turns one turn's standard output, line by line, into steps. Not thread-safe: one per turn. */
public interface StepParser {
    /** The steps one line of output completes (often none, sometimes several). */
    List<Step> line(String line);

    /** The steps still pending when the output ends. */
    default List<Step> end() {
        return List.of();
    }
}
