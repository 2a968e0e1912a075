package io.murmur.sim.experiments;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.BitSet;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

class JumpHashTest {
    private static final long[] KEYS = {0L, 1L, 42L, 0xdeadbeefL, -1L, Long.MIN_VALUE, 123456789012345L};
    private static final int[] BUCKETS = {1, 2, 10, 64, 1000, 1024, 65536};
    /** The paper's algorithm evaluated independently (64-bit unsigned arithmetic) for KEYS x BUCKETS. */
    private static final int[][] EXPECTED = {
        {0, 0, 0, 0, 0, 0, 0},
        {0, 0, 6, 55, 549, 549, 21134},
        {0, 1, 2, 43, 571, 571, 5747},
        {0, 1, 5, 16, 285, 285, 64244},
        {0, 1, 9, 10, 313, 313, 18311},
        {0, 1, 5, 27, 453, 453, 53854},
        {0, 0, 7, 16, 76, 76, 16590},
    };

    @Test
    void matchesReferenceValues() {
        for (int k = 0; k < KEYS.length; k++) {
            for (int b = 0; b < BUCKETS.length; b++) {
                assertThat(JumpHash.bucket(KEYS[k], BUCKETS[b]))
                        .as("key %d, %d buckets", KEYS[k], BUCKETS[b]).isEqualTo(EXPECTED[k][b]);
            }
        }
    }

    @Test
    void isDeterministicAndInRange() {
        SplittableRandom rng = new SplittableRandom(7);
        for (int i = 0; i < 10_000; i++) {
            long key = rng.nextLong();
            int n = 1 + rng.nextInt(5000);
            int b = JumpHash.bucket(key, n);
            assertThat(b).isBetween(0, n - 1).isEqualTo(JumpHash.bucket(key, n));
        }
        assertThat(JumpHash.bucket(12345, 1)).isZero();
        assertThatThrownBy(() -> JumpHash.bucket(1, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    /** n -> n+1 buckets: keys move only to the new bucket, about 1/(n+1) of them. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 9, 63, 100, 1023})
    void growingMovesOnlyToTheNewBucketAndTheIdealShare(int n) {
        SplittableRandom rng = new SplittableRandom(n);
        int keys = 100_000;
        int moved = 0;
        for (int i = 0; i < keys; i++) {
            long key = rng.nextLong();
            int before = JumpHash.bucket(key, n);
            int after = JumpHash.bucket(key, n + 1);
            if (before != after) {
                assertThat(after).as("key %d moved from %d", key, before).isEqualTo(n);
                moved++;
            }
        }
        double ideal = 1.0 / (n + 1);
        // Binomial standard deviation of the moved share, times 5.
        double tolerance = 5 * Math.sqrt(ideal * (1 - ideal) / keys);
        assertThat((double) moved / keys).as("%d -> %d buckets", n, n + 1).isCloseTo(ideal,
                offset(tolerance));
    }

    @Test
    void spreadsKeysEvenly() {
        int n = 50;
        long[] counts = new long[n];
        SplittableRandom rng = new SplittableRandom(3);
        for (int i = 0; i < 200_000; i++) {
            counts[JumpHash.bucket(rng.nextLong(), n)]++;
        }
        // 4000 keys per bucket: Poisson noise alone is ~1.6%.
        assertThat(LoadStats.of(counts).stddevPercent()).isLessThan(3.0);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void probesNeverReturnAFailedBucket(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int n = 1 + rng.nextInt(200);
        BitSet failed = new BitSet(n);
        int failures = rng.nextInt(n);
        for (int i = 0; i < failures; i++) {
            failed.set(rng.nextInt(n));
        }
        int live = n - failed.cardinality();
        for (int i = 0; i < 2_000; i++) {
            long key = rng.nextLong();
            int a = JumpHash.keyPlusOne(key, n, failed, live);
            int b = JumpHash.randomReprobe(key, n, failed, live);
            assertThat(a).as("seed %d key %d", seed, key).isBetween(0, n - 1);
            assertThat(b).as("seed %d key %d", seed, key).isBetween(0, n - 1);
            assertThat(failed.get(a)).as("key+1, seed %d key %d", seed, key).isFalse();
            assertThat(failed.get(b)).as("random, seed %d key %d", seed, key).isFalse();
            assertThat(JumpHash.keyPlusOne(key, n, failed, live)).isEqualTo(a);
            assertThat(JumpHash.randomReprobe(key, n, failed, live)).isEqualTo(b);
            int home = JumpHash.bucket(key, n);
            if (!failed.get(home)) {
                assertThat(a).isEqualTo(home);
                assertThat(b).isEqualTo(home);
            }
        }
    }

    /** With one live bucket of 1000, most probes run out and the fallback scan must find it. */
    @Test
    void probesEndWithASingleLiveBucket() {
        int n = 1000;
        BitSet failed = new BitSet(n);
        failed.set(0, n);
        failed.clear(617);
        SplittableRandom rng = new SplittableRandom(11);
        for (int i = 0; i < 1_000; i++) {
            long key = rng.nextLong();
            assertThat(JumpHash.keyPlusOne(key, n, failed, 1)).isEqualTo(617);
            assertThat(JumpHash.randomReprobe(key, n, failed, 1)).isEqualTo(617);
        }
    }

    @Test
    void probesReturnMinusOneWhenNothingIsLive() {
        BitSet failed = new BitSet();
        failed.set(0, 8);
        assertThat(JumpHash.keyPlusOne(5, 8, failed, 0)).isEqualTo(-1);
        assertThat(JumpHash.randomReprobe(5, 8, failed, 0)).isEqualTo(-1);
    }

    /** The seed note's point: a failed bucket's keys land on every survivor alike. */
    @Test
    void randomReprobeSpreadsAFailedBucketsKeysOverAllSurvivors() {
        int n = 20;
        BitSet failed = new BitSet(n);
        failed.set(7);
        long[] gained = new long[n];
        SplittableRandom rng = new SplittableRandom(5);
        int orphans = 0;
        while (orphans < 19_000) {
            long key = rng.nextLong();
            if (JumpHash.bucket(key, n) == 7) {
                gained[JumpHash.randomReprobe(key, n, failed, n - 1)]++;
                orphans++;
            }
        }
        long[] survivors = new long[n - 1];
        for (int i = 0, s = 0; i < n; i++) {
            if (i != 7) {
                survivors[s++] = gained[i];
            }
        }
        // 1000 keys per survivor: Poisson noise alone is ~3.2%.
        assertThat(LoadStats.of(survivors).stddevPercent()).isLessThan(6.0);
    }
}
