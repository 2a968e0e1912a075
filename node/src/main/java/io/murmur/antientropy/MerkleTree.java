package io.murmur.antientropy;

import io.murmur.ring.TokenRange;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * The Merkle tree of one token range: {@code 2^depth} leaves, each the XOR of the entries
 * ({@link Digests#entry}) of the keys whose tokens fall in its slice of the range.
 *
 * <p>Design note. Only leaves are kept; a write XORs its delta into one leaf atomically,
 * from any thread, in O(1). Inner nodes are computed when a repair session asks, from a
 * {@link #snapshot} of the leaves, so writes never pay for them. Leaf {@code i} covers
 * the range's tokens at offsets {@code [i*w, (i+1)*w)} from its start, {@code w} being
 * the range's size over {@code 2^depth} rounded up; both replicas of a range derive the
 * same slices from the same range and depth.
 */
public final class MerkleTree {
    public static final int MIN_DEPTH = 1;
    public static final int MAX_DEPTH = 20;
    private static final VarHandle LEAF = MethodHandles.arrayElementVarHandle(long[].class);

    private final TokenRange range;
    private final int depth;
    /** Tokens per leaf. */
    private final long width;
    /** The range's size minus one, unsigned: its last token's offset. */
    private final long lastOffset;
    private volatile long[] leaves;
    private volatile boolean built;
    /** Writes to the range hold its read side; filling the tree from a scan holds its write side. */
    private final java.util.concurrent.locks.StampedLock fill = new java.util.concurrent.locks.StampedLock();

    public MerkleTree(TokenRange range, int depth) {
        this.range = Objects.requireNonNull(range, "range");
        if (depth < MIN_DEPTH || depth > MAX_DEPTH) {
            throw new IllegalArgumentException("tree depth must be in [" + MIN_DEPTH + ", " + MAX_DEPTH + "], got "
                    + depth);
        }
        this.depth = depth;
        this.lastOffset = range.end() - range.start() - 1; // the full ring: 2^64 - 1
        this.width = (lastOffset >>> depth) + 1;
        this.leaves = new long[1 << depth];
    }

    public TokenRange range() {
        return range;
    }

    public int depth() {
        return depth;
    }

    public int leafCount() {
        return 1 << depth;
    }

    /** Whether the leaves have been filled from storage (a new tree starts empty). */
    public boolean isBuilt() {
        return built;
    }

    /** The leaf {@code token} falls in; the token must be in the range. */
    public int leafOf(long token) {
        return (int) Long.divideUnsigned(token - range.start() - 1, width);
    }

    /** Whether leaf {@code leaf} holds no token at all: a range of fewer tokens than leaves. */
    public boolean leafIsEmpty(int leaf) {
        return Long.compareUnsigned((long) leaf * width, lastOffset) > 0;
    }

    /** The first token of a non-empty leaf. */
    public long firstToken(int leaf) {
        return range.start() + 1 + (long) leaf * width;
    }

    /** The last token of a non-empty leaf (it may lie below the first: the leaf wraps past the top). */
    public long lastToken(int leaf) {
        long last = (long) leaf * width + width - 1;
        if (Long.compareUnsigned(last, lastOffset) > 0 || Long.compareUnsigned(last, (long) leaf * width) < 0) {
            last = lastOffset;
        }
        return range.start() + 1 + last;
    }

    /** Taken by a write to this range from storing its record to applying its delta. */
    long enterUpdate() {
        return fill.readLock();
    }

    void exitUpdate(long stamp) {
        fill.unlockRead(stamp);
    }

    /** {@link #enterUpdate} unless it would wait (the tree is being filled); 0 then. */
    long tryEnterUpdate() {
        return fill.tryReadLock();
    }

    long enterFill() {
        return fill.writeLock();
    }

    void exitFill(long stamp) {
        fill.unlockWrite(stamp);
    }

    /** XORs {@code delta} into the leaf of {@code token}. Thread-safe, lock-free. */
    public void apply(long token, long delta) {
        LEAF.getAndBitwiseXor(leaves, leafOf(token), delta);
    }

    /** Replaces every leaf at once (after a rebuild from storage) and marks the tree built. */
    void install(long[] newLeaves) {
        if (newLeaves.length != 1 << depth) {
            throw new IllegalArgumentException("expected " + (1 << depth) + " leaves, got " + newLeaves.length);
        }
        leaves = newLeaves;
        built = true;
    }

    /** The current leaves and every inner node over them, frozen. */
    public Snapshot snapshot() {
        long[] current = leaves;
        int n = 1 << depth;
        long[] heap = new long[2 * n];
        for (int i = 0; i < n; i++) {
            heap[n + i] = (long) LEAF.getVolatile(current, i);
        }
        for (int i = n - 1; i >= 1; i--) {
            heap[i] = Digests.parent(heap[2 * i], heap[2 * i + 1]);
        }
        return new Snapshot(depth, heap);
    }

    /** The root hash now (computes the whole tree). */
    public long root() {
        return snapshot().root();
    }

    /**
     * A frozen tree: node {@code index} at {@code level} (the root at level 0, leaves at
     * level {@code depth}) lives at {@code 2^level + index} of one array.
     */
    public static final class Snapshot {
        private final int depth;
        private final long[] heap;

        Snapshot(int depth, long[] heap) {
            this.depth = depth;
            this.heap = heap;
        }

        public int depth() {
            return depth;
        }

        public long root() {
            return heap[1];
        }

        /** The hash of node {@code index} at {@code level}; throws for a node outside the tree. */
        public long hash(int level, long index) {
            if (level < 0 || level > depth || index < 0 || index >= (1L << level)) {
                throw new IllegalArgumentException("no node " + index + " at level " + level + " of a tree of depth "
                        + depth);
            }
            return heap[(1 << level) + (int) index];
        }
    }

    @Override
    public String toString() {
        return "MerkleTree" + range + " depth " + depth + (built ? "" : " (not built)");
    }
}
