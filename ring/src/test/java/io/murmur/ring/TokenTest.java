package io.murmur.ring;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class TokenTest {
    private static final long[] EDGES = {Long.MIN_VALUE, Long.MIN_VALUE + 1, -256, -1, 0, 1, 255, 256,
        Long.MAX_VALUE - 1, Long.MAX_VALUE};

    private static byte[] ordered(long token) {
        byte[] b = new byte[8];
        Token.writeOrdered(token, b, 0);
        return b;
    }

    @Test
    void orderedEncodingRoundTrips() {
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 10_000; i++) {
            long t = i < EDGES.length ? EDGES[i] : r.nextLong();
            assertThat(Token.readOrdered(ordered(t), 0)).isEqualTo(t);
        }
    }

    @Test
    void orderedEncodingRoundTripsAtAnOffset() {
        byte[] b = new byte[20];
        Token.writeOrdered(-42L, b, 5);
        assertThat(Token.readOrdered(b, 5)).isEqualTo(-42L);
        assertThat(b[4]).isZero();
        assertThat(b[13]).isZero();
    }

    @Test
    void unsignedByteOrderOfTheEncodingIsSignedTokenOrder() {
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < 10_000; i++) {
            long a = r.nextInt(4) == 0 ? EDGES[r.nextInt(EDGES.length)] : r.nextLong();
            long b = r.nextInt(4) == 0 ? EDGES[r.nextInt(EDGES.length)] : r.nextLong();
            int bytes = Integer.signum(Arrays.compareUnsigned(ordered(a), ordered(b)));
            assertThat(bytes).as("%d vs %d", a, b).isEqualTo(Integer.signum(Long.compare(a, b)));
        }
    }

    @Test
    void minimumTokenEncodesAsAllZerosAndMaximumAsAllOnes() {
        assertThat(ordered(Long.MIN_VALUE)).containsOnly(0);
        assertThat(ordered(Long.MAX_VALUE)).containsOnly(0xff);
    }

    @Test
    void tokenOfAKeyIsItsMurmur3Hash() {
        byte[] key = {1, 2, 3, 4, 5};
        assertThat(Token.of(key)).isEqualTo(Murmur3.hash64(key));
    }
}
