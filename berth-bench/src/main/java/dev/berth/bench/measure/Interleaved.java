package dev.berth.bench.measure;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs several timed actions round-robin (a, b, c, a, b, c, ...) rather than one series after the
 * other, so that drift on a shared, noisy machine (another tenant, a GC, frequency changes) lands
 * on every series alike instead of on whichever ran during it.
 */
final class Interleaved {
    /** One timed action: returns the nanoseconds it measured. */
    interface Action {
        long nanos() throws Exception;
    }

    private Interleaved() {}

    static Map<String, long[]> run(int warmup, int runs, Map<String, Action> actions) throws Exception {
        Map<String, long[]> samples = new LinkedHashMap<>();
        actions.keySet().forEach(k -> samples.put(k, new long[runs]));
        for (int i = -warmup; i < runs; i++) {
            for (Map.Entry<String, Action> a : actions.entrySet()) {
                long nanos = a.getValue().nanos();
                if (i >= 0) {
                    samples.get(a.getKey())[i] = nanos;
                }
            }
        }
        return samples;
    }
}
