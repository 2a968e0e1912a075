package io.murmur.sim.experiments;

import java.util.BitSet;

/**
 * Jump consistent hash (Lamping and Veach, "A Fast, Minimal Memory, Consistent Hash
 * Algorithm", 2014) and two ways to route past failed buckets.
 *
 * <p>Jump hash maps a 64-bit key to a bucket in {@code [0, n)} with no table: it follows the
 * key's sequence of "jumps" (the bucket counts at which the key would move to the newest
 * bucket), drawn from a linear congruential generator seeded with the key, and stops at the
 * last jump below {@code n}. Growing from {@code n} to {@code n + 1} buckets moves a
 * {@code 1/(n+1)} share of the keys, all of them to the new bucket. It only adds or removes
 * buckets at the end, so a failed node in the middle must be routed around:
 * <ul>
 * <li>{@link #keyPlusOne}: try {@code jump(key + 1)}, {@code jump(key + 2)}, ... until a live
 * bucket.</li>
 * <li>{@link #randomReprobe}: seed a generator from the key and probe uniformly random
 * buckets until a live one, so a failed bucket's keys land on every survivor alike.</li>
 * </ul>
 * Both are deterministic in the key, so every router computes the same answer. Both give up
 * probing after {@link #MAX_PROBES} tries and take the next live bucket upwards from the last
 * probe (wrapping), so they end whenever one bucket is live; they return -1 when none is.
 */
public final class JumpHash {
    /** Probes before the bounded fallback scan; reached with probability ~(failed share)^64. */
    public static final int MAX_PROBES = 64;

    private static final long LCG_MULTIPLIER = 2862933555777941757L;
    private static final double TWO_TO_31 = 1L << 31;
    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    private JumpHash() {
    }

    /** The bucket of {@code key} among {@code buckets} buckets, in {@code [0, buckets)}. */
    public static int bucket(long key, int buckets) {
        if (buckets < 1) {
            throw new IllegalArgumentException("buckets must be >= 1, got " + buckets);
        }
        long b = -1;
        long j = 0;
        while (j < buckets) {
            b = j;
            key = key * LCG_MULTIPLIER + 1;
            j = (long) ((b + 1) * (TWO_TO_31 / (double) ((key >>> 33) + 1)));
        }
        return (int) b;
    }

    /**
     * The first live bucket of {@code jump(key)}, {@code jump(key + 1)}, {@code jump(key + 2)}, ...
     * ({@code failed} holds failed bucket numbers, {@code liveCount} how many are live); -1 if none.
     */
    public static int keyPlusOne(long key, int buckets, BitSet failed, int liveCount) {
        if (liveCount <= 0) {
            return -1;
        }
        int b = bucket(key, buckets);
        for (int probe = 1; failed.get(b); probe++) {
            if (probe > MAX_PROBES) {
                return nextLive(b, buckets, failed);
            }
            b = bucket(key + probe, buckets);
        }
        return b;
    }

    /**
     * {@code jump(key)} if live, else uniformly random buckets from a generator seeded with the
     * key until a live one; -1 if none is live.
     */
    public static int randomReprobe(long key, int buckets, BitSet failed, int liveCount) {
        if (liveCount <= 0) {
            return -1;
        }
        int b = bucket(key, buckets);
        long state = key;
        for (int probe = 1; failed.get(b); probe++) {
            if (probe > MAX_PROBES) {
                return nextLive(b, buckets, failed);
            }
            state += GOLDEN_GAMMA;
            b = (int) (((mix64(state) >>> 32) * buckets) >>> 32);
        }
        return b;
    }

    /** SplitMix64's output function: a bijective mix of all 64 bits. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private static int nextLive(int from, int buckets, BitSet failed) {
        int b = failed.nextClearBit(from);
        if (b >= buckets) {
            b = failed.nextClearBit(0);
        }
        if (b >= buckets) {
            throw new IllegalStateException("no live bucket although one was counted live");
        }
        return b;
    }
}
