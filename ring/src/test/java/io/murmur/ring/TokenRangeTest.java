package io.murmur.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class TokenRangeTest {

    @Test
    void aPlainRangeExcludesItsStartAndIncludesItsEnd() {
        TokenRange r = new TokenRange(10, 20);
        assertThat(r.contains(10)).isFalse();
        assertThat(r.contains(11)).isTrue();
        assertThat(r.contains(20)).isTrue();
        assertThat(r.contains(21)).isFalse();
        assertThat(r.wraps()).isFalse();
        assertThat(r.size()).isEqualTo(BigInteger.TEN);
    }

    @Test
    void aWrappingRangeCrossesTheTopOfTheTokenSpace() {
        TokenRange r = new TokenRange(Long.MAX_VALUE - 1, Long.MIN_VALUE + 1);
        assertThat(r.wraps()).isTrue();
        assertThat(r.contains(Long.MAX_VALUE)).isTrue();
        assertThat(r.contains(Long.MIN_VALUE)).isTrue();
        assertThat(r.contains(Long.MIN_VALUE + 1)).isTrue();
        assertThat(r.contains(Long.MIN_VALUE + 2)).isFalse();
        assertThat(r.contains(Long.MAX_VALUE - 1)).isFalse();
        assertThat(r.contains(0)).isFalse();
        assertThat(r.size()).isEqualTo(BigInteger.valueOf(3));
    }

    @Test
    void equalEndsMeanTheWholeRingAndAreNormalised() {
        TokenRange r = new TokenRange(42, 42);
        assertThat(r).isEqualTo(TokenRange.FULL_RING);
        assertThat(r.isFullRing()).isTrue();
        assertThat(r.contains(42)).isTrue();
        assertThat(r.contains(Long.MIN_VALUE)).isTrue();
        assertThat(r.size()).isEqualTo(BigInteger.ONE.shiftLeft(64));
        assertThat(r.fraction()).isEqualTo(1.0);
    }

    @Test
    void widthsAboveHalfTheRingAreUnsigned() {
        TokenRange r = new TokenRange(Long.MIN_VALUE, Long.MAX_VALUE);
        assertThat(r.size()).isEqualTo(BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE));
        assertThat(r.fraction()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-15));
        assertThat(new TokenRange(0, Long.MIN_VALUE).fraction()).isEqualTo(0.5);
    }
}
