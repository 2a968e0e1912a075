package io.murmur.antientropy;

import io.murmur.ring.TokenRange;
import io.murmur.runtime.Storage;
import io.murmur.version.VersionedRecord;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.StampedLock;

/**
 * This node's Merkle trees, one per token range it replicates, kept current by every
 * write ({@link #changed}) and rebuilt from storage for ranges it newly replicates.
 *
 * <p>Design note. A tree must equal its range's contents exactly, or repair would chase
 * differences that are not there forever. Writes XOR deltas in as they happen; a rebuild
 * scans the range instead. The two meet under two locks: every update holds the read side
 * of the index's barrier and of its range's tree from storing the record to applying the
 * delta ({@link TrackedStorage}); replacing the set of trees takes the barrier's write
 * side (a moment), and filling one tree from a scan takes that tree's write side. So a
 * write lands either in the scan or as a delta after it, never both and never neither,
 * and a range's scan keeps only that range's writes waiting.
 */
public final class TreeIndex {
    private final int depth;
    private final StampedLock barrier = new StampedLock();
    private volatile Trees trees = new Trees(new MerkleTree[0], new long[0]);

    /** Trees sorted by their range's end, for lookup by token. */
    private record Trees(MerkleTree[] byEnd, long[] ends) {
    }

    public TreeIndex(int depth) {
        if (depth < MerkleTree.MIN_DEPTH || depth > MerkleTree.MAX_DEPTH) {
            throw new IllegalArgumentException("tree depth must be in [" + MerkleTree.MIN_DEPTH + ", "
                    + MerkleTree.MAX_DEPTH + "], got " + depth);
        }
        this.depth = depth;
    }

    public int depth() {
        return depth;
    }

    /** The ranges with a tree, in token order of their ends. */
    public List<TokenRange> ranges() {
        List<TokenRange> out = new ArrayList<>();
        for (MerkleTree t : trees.byEnd()) {
            out.add(t.range());
        }
        return out;
    }

    /** The tree of exactly {@code range}, or null. */
    public MerkleTree tree(TokenRange range) {
        MerkleTree t = treeFor(range.end());
        return t != null && t.range().equals(range) ? t : null;
    }

    /** The tree whose range holds {@code token}, or null when this node keeps none there. */
    public MerkleTree treeFor(long token) {
        Trees t = trees;
        long[] ends = t.ends();
        if (ends.length == 0) {
            return null;
        }
        int at = Arrays.binarySearch(ends, token);
        if (at < 0) {
            at = -at - 1;
        }
        MerkleTree candidate = t.byEnd()[at == ends.length ? 0 : at];
        return candidate.range().contains(token) ? candidate : null;
    }

    /** Takes the read side of the barrier: an update holds it from storing to {@link #changed}. */
    long enterUpdate() {
        return barrier.readLock();
    }

    void exitUpdate(long stamp) {
        barrier.unlockRead(stamp);
    }

    /** {@link #enterUpdate} unless it would wait (a tree is being swapped in); 0 then. */
    long tryEnterUpdate() {
        return barrier.tryReadLock();
    }

    /** Applies a stored change of {@code key} (token {@code token}) from {@code before} to {@code after}. */
    public void changed(long token, byte[] key, VersionedRecord before, VersionedRecord after) {
        long delta = Digests.delta(token, key, before, after);
        if (delta == 0) {
            return;
        }
        MerkleTree t = treeFor(token);
        if (t != null) {
            t.apply(token, delta);
        }
    }

    /** Whether the trees cover exactly {@code ranges}, all built. */
    public boolean covers(List<TokenRange> ranges) {
        MerkleTree[] byEnd = trees.byEnd();
        if (byEnd.length != ranges.size()) {
            return false;
        }
        for (TokenRange r : ranges) {
            MerkleTree t = tree(r);
            if (t == null || !t.isBuilt()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Makes the trees cover exactly {@code ranges}: trees of ranges kept stay as they are,
     * ranges no longer replicated lose theirs, and new ranges are filled from
     * {@code storage}, one scan each. Returns how many ranges were scanned and keys seen.
     * Call from one thread at a time; writes go on meanwhile.
     */
    public Rebuild rebuild(List<TokenRange> ranges, Storage storage) {
        Map<TokenRange, MerkleTree> old = new HashMap<>();
        for (MerkleTree t : trees.byEnd()) {
            old.put(t.range(), t);
        }
        List<MerkleTree> next = new ArrayList<>();
        List<MerkleTree> fresh = new ArrayList<>();
        for (TokenRange r : ranges) {
            MerkleTree t = old.get(r);
            if (t == null || !t.isBuilt()) {
                t = new MerkleTree(r, depth);
                fresh.add(t);
            }
            next.add(t);
        }
        next.sort(Comparator.comparingLong(t -> t.range().end()));
        long[] ends = new long[next.size()];
        for (int i = 0; i < ends.length; i++) {
            ends[i] = next.get(i).range().end();
        }
        long stamp = barrier.writeLock();
        try {
            trees = new Trees(next.toArray(new MerkleTree[0]), ends);
        } finally {
            barrier.unlockWrite(stamp);
        }
        long keys = 0;
        for (MerkleTree t : fresh) {
            keys += fill(t, storage);
        }
        return new Rebuild(fresh.size(), keys);
    }

    /** What a {@link #rebuild} did: ranges scanned, keys read. */
    public record Rebuild(int rangesScanned, long keys) {
    }

    private long fill(MerkleTree tree, Storage storage) {
        long[] leaves = new long[tree.leafCount()];
        long[] keys = new long[1];
        Storage.RecordVisitor visit = (token, key, record) -> {
            leaves[tree.leafOf(token)] ^= Digests.entry(token, key, record);
            keys[0]++;
            return true;
        };
        long stamp = tree.enterFill();
        try {
            scan(tree.range(), storage, visit);
            tree.install(leaves);
        } finally {
            tree.exitFill(stamp);
        }
        return keys[0];
    }

    /** Scans the tokens of {@code range} in one or two calls (two when it wraps past the top). */
    static void scan(TokenRange range, Storage storage, Storage.RecordVisitor visitor) {
        long first = range.start() + 1;
        long last = range.end();
        if (range.isFullRing()) {
            storage.scan(Long.MIN_VALUE, Long.MAX_VALUE, visitor);
        } else {
            scanTokens(first, last, storage, visitor);
        }
    }

    /** Scans tokens {@code first..last}, wrapping past the top when {@code last < first}. */
    static void scanTokens(long first, long last, Storage storage, Storage.RecordVisitor visitor) {
        if (first <= last) {
            storage.scan(first, last, visitor);
            return;
        }
        boolean[] stopped = new boolean[1];
        storage.scan(first, Long.MAX_VALUE, (t, k, r) -> {
            boolean more = visitor.visit(t, k, r);
            stopped[0] = !more;
            return more;
        });
        if (!stopped[0]) {
            storage.scan(Long.MIN_VALUE, last, visitor);
        }
    }
}
