package io.murmur.version;

import java.util.Arrays;
import java.util.Objects;

/**
 * One version of a key: a value or a tombstone, identified by its {@link Dot} and placed
 * in causal time by its {@code context} (everything the writer had seen).
 *
 * <p>Design note. This is a dotted version vector rather than a plain vector clock.
 * With plain clocks, two clients writing through the same node from the same read
 * would get the same clock (or one would silently supersede the other); with a dot per
 * write and the writer's context kept apart, {@code a} supersedes {@code b} exactly when
 * {@code a}'s context covers {@code b}'s dot, so concurrent writes through one node stay
 * siblings and nothing is lost.
 */
public final class Version {
    private static final byte[] NO_VALUE = new byte[0];

    private final Dot dot;
    private final VectorClock context;
    private final byte[] value;
    private final boolean tombstone;
    private final long writtenAtMillis;

    private Version(Dot dot, VectorClock context, byte[] value, boolean tombstone, long writtenAtMillis) {
        this.dot = Objects.requireNonNull(dot, "dot");
        this.context = Objects.requireNonNull(context, "context");
        this.value = Objects.requireNonNull(value, "value");
        this.tombstone = tombstone;
        this.writtenAtMillis = writtenAtMillis;
        if (tombstone && value.length != 0) {
            throw new IllegalArgumentException("a tombstone carries no value");
        }
    }

    /** A value version. The array is owned by the version from here on: do not change it. */
    public static Version value(Dot dot, VectorClock context, byte[] value, long writtenAtMillis) {
        return new Version(dot, context, value, false, writtenAtMillis);
    }

    public static Version tombstone(Dot dot, VectorClock context, long writtenAtMillis) {
        return new Version(dot, context, NO_VALUE, true, writtenAtMillis);
    }

    public Dot dot() {
        return dot;
    }

    /** What the writer had seen, not including this version's own dot. */
    public VectorClock context() {
        return context;
    }

    /**
     * This version's context with its own dot added, as one clock. The clock claims every
     * earlier dot of this version's node too, which the writer need not have seen: use it
     * to bound counters, not as a causal context (see {@link VersionedRecord#context()}).
     */
    public VectorClock history() {
        return context.withAtLeast(dot.node(), dot.counter(), writtenAtMillis);
    }

    /** The value; empty for a tombstone. Shared, not copied: do not change it. */
    public byte[] value() {
        return value;
    }

    public boolean isTombstone() {
        return tombstone;
    }

    public long writtenAtMillis() {
        return writtenAtMillis;
    }

    /** Whether this version's history includes {@code other}'s write. */
    public boolean supersedes(Version other) {
        return !dot.equals(other.dot) && context.covers(other.dot);
    }

    /** Orders this version against {@code other} by dot and context. */
    public Causality compare(Version other) {
        if (dot.equals(other.dot)) {
            return Causality.EQUAL;
        }
        if (context.covers(other.dot)) {
            return Causality.AFTER;
        }
        if (other.context.covers(dot)) {
            return Causality.BEFORE;
        }
        return Causality.CONCURRENT;
    }

    /** Bytes this version takes in memory, roughly: for weighing cache entries. */
    public int weightBytes() {
        return 64 + value.length + 48 * (context.size() + 1);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Version other)) {
            return false;
        }
        return tombstone == other.tombstone
                && writtenAtMillis == other.writtenAtMillis
                && dot.equals(other.dot)
                && context.equals(other.context)
                && Arrays.equals(value, other.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(dot, context, tombstone, writtenAtMillis) * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "Version{" + dot + " ctx=" + context + (tombstone ? " tombstone" : " " + value.length + "B") + "}";
    }
}
