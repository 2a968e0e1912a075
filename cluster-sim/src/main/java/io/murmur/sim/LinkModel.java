package io.murmur.sim;

import java.time.Duration;
import java.util.SplittableRandom;

/**
 * How a simulated link treats each message: a one-way latency drawn from a seeded
 * distribution (a fixed base plus exponentially distributed jitter, so most messages are
 * quick and a few are very late, which is also what reorders them), a loss probability
 * and a duplication probability.
 */
public record LinkModel(long baseLatencyNanos, long meanJitterNanos, double lossProbability,
                        double duplicateProbability) {
    public LinkModel {
        if (baseLatencyNanos < 0 || meanJitterNanos < 0) {
            throw new IllegalArgumentException("latencies must be >= 0");
        }
        if (lossProbability < 0 || lossProbability > 1 || duplicateProbability < 0 || duplicateProbability > 1) {
            throw new IllegalArgumentException("probabilities must be within [0, 1]");
        }
    }

    /** A data-centre link: 0.2 ms base, 0.1 ms mean jitter, no loss. */
    public static final LinkModel LAN = of(Duration.ofMillis(0).plusNanos(200_000), Duration.ofNanos(100_000), 0, 0);

    public static LinkModel of(Duration base, Duration meanJitter, double loss, double duplicate) {
        return new LinkModel(base.toNanos(), meanJitter.toNanos(), loss, duplicate);
    }

    public LinkModel withLoss(double loss) {
        return new LinkModel(baseLatencyNanos, meanJitterNanos, loss, duplicateProbability);
    }

    public LinkModel withDuplication(double duplicate) {
        return new LinkModel(baseLatencyNanos, meanJitterNanos, lossProbability, duplicate);
    }

    public LinkModel withLatency(Duration base, Duration meanJitter) {
        return new LinkModel(base.toNanos(), meanJitter.toNanos(), lossProbability, duplicateProbability);
    }

    /** One latency sample. */
    long sampleLatencyNanos(SplittableRandom random) {
        if (meanJitterNanos == 0) {
            return baseLatencyNanos;
        }
        double u = random.nextDouble();
        long jitter = (long) (-Math.log1p(-u) * meanJitterNanos);
        return baseLatencyNanos + Math.min(jitter, 1000 * meanJitterNanos);
    }
}
