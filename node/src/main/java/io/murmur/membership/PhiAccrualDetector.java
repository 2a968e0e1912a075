package io.murmur.membership;

/**
 * Phi-accrual suspicion of one peer, from the arrival times of its heartbeats.
 *
 * <p>It keeps a window of recent inter-arrival times and models the next one as a normal
 * distribution with their mean (plus an acceptable pause) and standard deviation (at
 * least a minimum). {@code phi(t)} is {@code -log10} of the probability that a heartbeat
 * still arrives after {@code t} without one: phi 1 means about a 10% chance that the peer
 * is merely late, phi 8 about 10<sup>-8</sup>. A fixed timeout cannot tell a steady
 * 1-second peer from a jittery one; phi adapts to what each peer's path has shown.
 *
 * <p>The window starts with two samples one standard deviation either side of the
 * expected interval, so the first verdicts are sane before any history exists. The
 * normal tail is computed with the logistic approximation {@code 1 / (1 + e^(-y(1.5976 +
 * 0.070566 y²)))}, accurate to about 1.4×10<sup>-4</sup>, which keeps phi finite and
 * monotonic far into the tail.
 *
 * <p>Not thread-safe; times are {@link io.murmur.runtime.Clock#nanos()} values.
 */
public final class PhiAccrualDetector {
    private final long[] window;
    private final double minStdDevMillis;
    private final double acceptablePauseMillis;
    private int size;
    private int next;
    private double sum;
    private double sumOfSquares;
    private long lastArrival;
    private boolean started;

    /**
     * @param windowSize          how many inter-arrival times to remember
     * @param expectedIntervalMillis the heartbeat interval, to seed the window
     * @param minStdDevMillis     floor of the standard deviation, so that a perfectly
     *                            regular peer is not condemned by a few ms of jitter
     * @param acceptablePauseMillis added to the mean: a silence this much longer than usual
     *                            raises phi only as much as a usual one would
     */
    public PhiAccrualDetector(int windowSize, long expectedIntervalMillis, long minStdDevMillis,
                              long acceptablePauseMillis) {
        if (windowSize < 2) {
            throw new IllegalArgumentException("window must hold at least 2 samples, got " + windowSize);
        }
        if (expectedIntervalMillis <= 0 || minStdDevMillis <= 0 || acceptablePauseMillis < 0) {
            throw new IllegalArgumentException("interval and minimum deviation must be positive, pause not negative");
        }
        this.window = new long[windowSize];
        this.minStdDevMillis = minStdDevMillis;
        this.acceptablePauseMillis = acceptablePauseMillis;
        long deviation = expectedIntervalMillis / 4;
        add((expectedIntervalMillis - deviation) * 1_000_000L);
        add((expectedIntervalMillis + deviation) * 1_000_000L);
    }

    /** A heartbeat arrived at {@code nowNanos}. */
    public void heartbeat(long nowNanos) {
        if (started) {
            long interval = nowNanos - lastArrival;
            if (interval > 0) {
                add(interval);
            }
        }
        started = true;
        lastArrival = Math.max(lastArrival, nowNanos);
    }

    /**
     * The observer itself was stalled for {@code nanos} (paused, overloaded, its timers ran
     * late): that silence says nothing about the peer, so it does not count.
     */
    public void discount(long nanos) {
        if (started && nanos > 0) {
            lastArrival += nanos;
        }
    }

    /** Starts the clock at {@code nowNanos} as if a heartbeat had arrived, without a sample. */
    public void startAt(long nowNanos) {
        if (!started) {
            started = true;
            lastArrival = nowNanos;
        }
    }

    public boolean started() {
        return started;
    }

    public long lastArrivalNanos() {
        return lastArrival;
    }

    /** Suspicion at {@code nowNanos}; 0 before the first heartbeat. */
    public double phi(long nowNanos) {
        if (!started) {
            return 0;
        }
        double sinceMillis = Math.max(0, nowNanos - lastArrival) / 1e6;
        double mean = meanMillis() + acceptablePauseMillis;
        double y = (sinceMillis - mean) / stdDevMillis();
        double e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
        if (sinceMillis > mean) {
            return -Math.log10(e / (1.0 + e));
        }
        return Math.max(0.0, -Math.log10(1.0 - 1.0 / (1.0 + e)));
    }

    /** Mean inter-arrival time in the window, in ms. */
    public double meanMillis() {
        return sum / size / 1e6;
    }

    /** Standard deviation of the window's inter-arrival times (at least the minimum), in ms. */
    public double stdDevMillis() {
        double mean = sum / size;
        double variance = Math.max(0, sumOfSquares / size - mean * mean);
        return Math.max(Math.sqrt(variance) / 1e6, minStdDevMillis);
    }

    private void add(long intervalNanos) {
        if (size == window.length) {
            long old = window[next];
            sum -= old;
            sumOfSquares -= (double) old * old;
        } else {
            size++;
        }
        window[next] = intervalNanos;
        next = (next + 1) % window.length;
        sum += intervalNanos;
        sumOfSquares += (double) intervalNanos * intervalNanos;
    }
}
