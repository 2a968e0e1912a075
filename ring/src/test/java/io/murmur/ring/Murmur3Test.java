package io.murmur.ring;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Differential test of {@link Murmur3} against Guava's reference implementation (a test
 * dependency only): same bytes, same first 64 bits.
 */
class Murmur3Test {
    private static final HashFunction REFERENCE = Hashing.murmur3_128(0);

    static LongStream seeds() {
        return LongStream.range(0, 20);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void hash64MatchesGuavasMurmur3x64For0To100Bytes(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (int length = 0; length <= 100; length++) {
            byte[] b = new byte[length];
            r.nextBytes(b);
            assertThat(Murmur3.hash64(b)).as("seed %d, %s", seed, Arrays.toString(b))
                    .isEqualTo(REFERENCE.hashBytes(b).asLong());
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void hashOfASliceEqualsHashOfTheCopiedSlice(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] b = new byte[64];
        r.nextBytes(b);
        int offset = r.nextInt(b.length + 1);
        int length = r.nextInt(b.length - offset + 1);
        byte[] copy = Arrays.copyOfRange(b, offset, offset + length);
        assertThat(Murmur3.hash64(b, offset, length)).isEqualTo(Murmur3.hash64(copy));
        assertThat(Murmur3.hash64(b, offset, length)).isEqualTo(REFERENCE.hashBytes(b, offset, length).asLong());
    }

    @Test
    void bytesWithTheHighBitSetHashAsUnsigned() {
        byte[] b = new byte[31];
        Arrays.fill(b, (byte) 0xff);
        assertThat(Murmur3.hash64(b)).isEqualTo(REFERENCE.hashBytes(b).asLong());
        byte[] text = "the quick brown fox".getBytes(StandardCharsets.UTF_8);
        assertThat(Murmur3.hash64(text)).isEqualTo(REFERENCE.hashBytes(text).asLong());
    }
}
