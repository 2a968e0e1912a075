package io.murmur.client;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * One current version of a key as a read returns it: a value or a tombstone, and the
 * wall-clock time its write was coordinated. The time is informational only; it never
 * orders versions (the causal context does).
 */
public final class Sibling {
    private final ByteString value;
    private final boolean tombstone;
    private final long writtenAtMillis;

    Sibling(ByteString value, boolean tombstone, long writtenAtMillis) {
        this.value = value;
        this.tombstone = tombstone;
        this.writtenAtMillis = writtenAtMillis;
    }

    /** A sibling with a copy of {@code value}, for tests and tools. */
    public static Sibling of(byte[] value, boolean tombstone, long writtenAtMillis) {
        return new Sibling(ByteString.copyFrom(value), tombstone, writtenAtMillis);
    }

    /** A copy of the value; empty for a tombstone. */
    public byte[] value() {
        return value.toByteArray();
    }

    /** A read-only view of the value, without copying. */
    public ByteBuffer valueBuffer() {
        return value.asReadOnlyByteBuffer();
    }

    /** The value decoded as UTF-8 (malformed input replaced). */
    public String valueUtf8() {
        return value.toString(StandardCharsets.UTF_8);
    }

    public int valueSize() {
        return value.size();
    }

    /** True when this version records a delete. */
    public boolean tombstone() {
        return tombstone;
    }

    /** When the write was coordinated, milliseconds since the epoch. */
    public long writtenAtMillis() {
        return writtenAtMillis;
    }

    @Override
    public String toString() {
        return (tombstone ? "Sibling[tombstone" : "Sibling[" + value.size() + " bytes")
                + ", writtenAt=" + Instant.ofEpochMilli(writtenAtMillis) + "]";
    }
}
