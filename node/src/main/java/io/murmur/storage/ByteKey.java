package io.murmur.storage;

import java.util.Arrays;
import java.util.Objects;

/**
 * A key's bytes as a map key: equality, hash and order by content, not by array identity.
 *
 * <p>Design note. Instances made by {@link #copyOf} own a private copy, so a caller that
 * reuses its array cannot corrupt a map. The order is unsigned lexicographic, RocksDB's
 * default; being {@link Comparable} also lets {@code ConcurrentHashMap} (and so Caffeine)
 * keep colliding keys in a tree, so crafted keys with equal hashes degrade a bin to
 * O(log n) rather than O(n).
 */
public final class ByteKey implements Comparable<ByteKey> {
    private static final int DESCRIBE_MAX_BYTES = 16;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final byte[] bytes;
    private final int hash;

    private ByteKey(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    /** A key holding its own copy of {@code bytes}. */
    public static ByteKey copyOf(byte[] bytes) {
        return new ByteKey(bytes.clone());
    }

    /** A key over {@code bytes} without copying: only for short-lived lookups. */
    static ByteKey wrap(byte[] bytes) {
        return new ByteKey(Objects.requireNonNull(bytes, "key"));
    }

    /** A copy of the key's bytes. */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    @Override
    public int compareTo(ByteKey other) {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return this == o || (o instanceof ByteKey other && hash == other.hash && Arrays.equals(bytes, other.bytes));
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return describe(bytes);
    }

    /** The first bytes of {@code key} in hex, and its length: short enough for error messages. */
    static String describe(byte[] key) {
        int shown = Math.min(key.length, DESCRIBE_MAX_BYTES);
        StringBuilder sb = new StringBuilder(2 * shown + 24);
        for (int i = 0; i < shown; i++) {
            sb.append(HEX[(key[i] >> 4) & 0xf]).append(HEX[key[i] & 0xf]);
        }
        if (shown < key.length) {
            sb.append("...");
        }
        return sb.append(" (").append(key.length).append(" bytes)").toString();
    }
}
