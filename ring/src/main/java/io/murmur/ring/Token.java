package io.murmur.ring;

/**
 * Positions on the ring: signed 64-bit tokens, ordered as signed longs, from
 * {@code Long.MIN_VALUE} to {@code Long.MAX_VALUE}, wrapping around.
 */
public final class Token {
    private Token() {
    }

    /** The token of a key: the first 64 bits of its Murmur3 x64 hash. */
    public static long of(byte[] key) {
        return Murmur3.hash64(key);
    }

    /**
     * The token as 8 bytes whose unsigned, lexicographic order (RocksDB's default) is the
     * token's signed order: big-endian with the sign bit flipped.
     */
    public static void writeOrdered(long token, byte[] into, int at) {
        long u = token ^ Long.MIN_VALUE;
        for (int i = 7; i >= 0; i--) {
            into[at + i] = (byte) u;
            u >>>= 8;
        }
    }

    /** Reads a token written by {@link #writeOrdered}. */
    public static long readOrdered(byte[] from, int at) {
        long u = 0;
        for (int i = 0; i < 8; i++) {
            u = (u << 8) | (from[at + i] & 0xffL);
        }
        return u ^ Long.MIN_VALUE;
    }
}
