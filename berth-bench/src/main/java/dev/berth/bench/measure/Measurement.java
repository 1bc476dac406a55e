package dev.berth.bench.measure;

import dev.berth.bench.Report;

/** One figure of the issue: measures, then writes its section of the report. */
public interface Measurement {
    /** The name {@code --only} selects it by. */
    String section();

    void run(Report report) throws Exception;
}
