package io.murmur.ring;

import java.math.BigInteger;

/**
 * A range of ring tokens, {@code (start, end]}: start exclusive, end inclusive, wrapping past
 * {@code Long.MAX_VALUE} to {@code Long.MIN_VALUE} when {@code start >= end}.
 *
 * <p>Design note: start-exclusive/end-inclusive matches how a token owns the keys that hash
 * up to and including it, so the ranges of consecutive ring tokens tile the ring with no gap
 * and no overlap. {@code start == end} means the whole ring (a ring with one token); it is
 * normalised to {@link #FULL_RING} so equal ranges compare equal.
 */
public record TokenRange(long start, long end) {
    /** The whole token space, 2^64 tokens. */
    public static final TokenRange FULL_RING = new TokenRange(Long.MIN_VALUE, Long.MIN_VALUE);

    private static final BigInteger TWO_TO_64 = BigInteger.ONE.shiftLeft(64);

    public TokenRange {
        if (start == end) {
            start = Long.MIN_VALUE;
            end = Long.MIN_VALUE;
        }
    }

    public boolean isFullRing() {
        return start == end;
    }

    /** Whether the range wraps past the top of the token space. */
    public boolean wraps() {
        return start >= end;
    }

    public boolean contains(long token) {
        if (start < end) {
            return token > start && token <= end;
        }
        if (start > end) {
            return token > start || token <= end;
        }
        return true;
    }

    /** The number of tokens in the range: in [1, 2^64]. */
    public BigInteger size() {
        if (isFullRing()) {
            return TWO_TO_64;
        }
        return new BigInteger(Long.toUnsignedString(end - start));
    }

    /** The share of the token space the range covers, in (0, 1]. */
    public double fraction() {
        if (isFullRing()) {
            return 1.0;
        }
        return unsignedToDouble(end - start) / 0x1p64;
    }

    static double unsignedToDouble(long value) {
        double high = (double) (value >>> 1) * 2.0;
        return high + (value & 1L);
    }

    @Override
    public String toString() {
        return "(" + start + ", " + end + "]";
    }
}
