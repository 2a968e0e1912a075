package io.murmur.sim.experiments;

/**
 * How evenly a load (keys per node) is spread: mean, population standard deviation as a
 * percentage of the mean, and the largest and smallest load relative to the mean. A perfectly
 * even spread has {@code stddevPercent == 0} and {@code maxOverMean == 1}. With a mean of 0
 * (nothing to spread) the ratios are NaN.
 */
public record LoadStats(int count, double mean, double stddevPercent, double maxOverMean, double minOverMean) {

    /** The statistics of {@code loads}; at least one value. */
    public static LoadStats of(long[] loads) {
        double[] d = new double[loads.length];
        for (int i = 0; i < loads.length; i++) {
            d[i] = loads[i];
        }
        return of(d);
    }

    /** The statistics of {@code loads} (e.g. shares of the token space); at least one value. */
    public static LoadStats of(double[] loads) {
        if (loads.length == 0) {
            throw new IllegalArgumentException("no loads");
        }
        double sum = 0;
        double max = Double.NEGATIVE_INFINITY;
        double min = Double.POSITIVE_INFINITY;
        for (double v : loads) {
            sum += v;
            max = Math.max(max, v);
            min = Math.min(min, v);
        }
        double mean = sum / loads.length;
        if (mean == 0) {
            return new LoadStats(loads.length, 0, Double.NaN, Double.NaN, Double.NaN);
        }
        double squares = 0;
        for (double v : loads) {
            double d = v - mean;
            squares += d * d;
        }
        double stddev = Math.sqrt(squares / loads.length);
        return new LoadStats(loads.length, mean, 100 * stddev / mean, max / mean, min / mean);
    }

    /** The share of positions whose value differs between {@code before} and {@code after}. */
    public static double movedFraction(int[] before, int[] after) {
        requireSameLength(before.length, after.length);
        long moved = 0;
        for (int i = 0; i < before.length; i++) {
            if (before[i] != after[i]) {
                moved++;
            }
        }
        return (double) moved / before.length;
    }

    /** The share of positions whose value differs, for longs (e.g. packed replica sets). */
    public static double movedFraction(long[] before, long[] after) {
        requireSameLength(before.length, after.length);
        long moved = 0;
        for (int i = 0; i < before.length; i++) {
            if (before[i] != after[i]) {
                moved++;
            }
        }
        return (double) moved / before.length;
    }

    private static void requireSameLength(int a, int b) {
        if (a != b || a == 0) {
            throw new IllegalArgumentException("need two non-empty arrays of one length, got " + a + " and " + b);
        }
    }
}
