package io.murmur.sim.experiments;

import io.murmur.ring.Token;

import java.util.SplittableRandom;

/**
 * Random inputs of the experiments. Keys are handed out as their 64-bit Murmur3 hashes (the
 * ring's tokens): every router in an experiment gets the same hashes, so hashing the key is
 * not part of what is compared.
 */
public final class Keys {
    /** Bytes of a random key, about the size of a short id such as {@code user:1234abcd...}. */
    public static final int KEY_BYTES = 16;

    private Keys() {
    }

    /** {@code count} hashes of random 16-byte keys drawn from {@code seed}. */
    public static long[] randomHashes(long seed, int count) {
        SplittableRandom rng = new SplittableRandom(seed);
        long[] out = new long[count];
        byte[] key = new byte[KEY_BYTES];
        for (int i = 0; i < count; i++) {
            rng.nextBytes(key);
            out[i] = Token.of(key);
        }
        return out;
    }

    /** {@code 0..n-1} in a random order drawn from {@code rng} (Fisher-Yates). */
    public static int[] permutation(int n, SplittableRandom rng) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }
}
