package dev.berth.bench;

import java.util.Arrays;

/**
 * Order statistics of one sample, in the sample's unit. Percentiles interpolate linearly between
 * the closest ranks (numpy's default), so the p50 of an even-sized sample is the mean of its two
 * middle values and a p90 never claims more precision than the sample has.
 */
public record Stats(int n, double min, double p50, double p90, double max, double mean) {

    public static Stats of(double... samples) {
        if (samples.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        double[] sorted = samples.clone();
        Arrays.sort(sorted);
        return new Stats(sorted.length, sorted[0], percentile(sorted, 50), percentile(sorted, 90),
                sorted[sorted.length - 1], Arrays.stream(sorted).average().orElseThrow());
    }

    /** Nanosecond samples as milliseconds. */
    public static Stats ofNanosAsMillis(long... nanos) {
        return of(Arrays.stream(nanos).mapToDouble(n -> n / 1e6).toArray());
    }

    static double percentile(double[] sorted, double p) {
        double rank = p / 100 * (sorted.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = (int) Math.ceil(rank);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }
}
