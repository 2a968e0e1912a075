package io.murmur.antientropy;

import io.murmur.ring.Token;
import io.murmur.runtime.Storage;
import io.murmur.runtime.StorageException;
import io.murmur.version.VersionedRecord;

import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A store whose every change is reflected in the node's Merkle trees: the store the
 * protocol cores write through, so writes, deletes, read repairs, hint replays, purges
 * and repairs all keep the trees current without knowing about them.
 */
public final class TrackedStorage implements Storage {
    private final Storage delegate;
    private final TreeIndex trees;

    public TrackedStorage(Storage delegate, TreeIndex trees) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.trees = Objects.requireNonNull(trees, "trees");
    }

    /** The store below, for scans that must not wait on the trees. */
    public Storage delegate() {
        return delegate;
    }

    public TreeIndex trees() {
        return trees;
    }

    @Override
    public VersionedRecord get(byte[] key) {
        return delegate.get(key);
    }

    @Override
    public VersionedRecord getIfInMemory(byte[] key) {
        return delegate.getIfInMemory(key);
    }

    @Override
    public VersionedRecord update(byte[] key, UnaryOperator<VersionedRecord> change) {
        return update(key, change, false);
    }

    @Override
    public VersionedRecord updateDeferred(byte[] key, UnaryOperator<VersionedRecord> change) {
        return update(key, change, true);
    }

    /** As the store below, and only while neither the index nor the key's tree is being replaced or filled. */
    @Override
    public VersionedRecord tryUpdateDeferred(byte[] key, UnaryOperator<VersionedRecord> change) {
        Objects.requireNonNull(change, "change");
        long token = Token.of(key);
        long stamp = trees.tryEnterUpdate();
        if (stamp == 0) {
            return null;
        }
        try {
            MerkleTree tree = trees.treeFor(token);
            if (tree == null) {
                return delegate.tryUpdateDeferred(key, change);
            }
            long treeStamp = tree.tryEnterUpdate();
            if (treeStamp == 0) {
                return null;
            }
            try {
                VersionedRecord[] before = new VersionedRecord[1];
                VersionedRecord after = delegate.tryUpdateDeferred(key, seen(change, before));
                if (after != null) {
                    applyDelta(tree, token, key, before[0], after);
                }
                return after;
            } finally {
                tree.exitUpdate(treeStamp);
            }
        } finally {
            trees.exitUpdate(stamp);
        }
    }

    @Override
    public void sync() {
        delegate.sync();
    }

    @Override
    public void syncThen(Consumer<StorageException> then) {
        delegate.syncThen(then);
    }

    private VersionedRecord update(byte[] key, UnaryOperator<VersionedRecord> change, boolean deferred) {
        Objects.requireNonNull(change, "change");
        VersionedRecord[] before = new VersionedRecord[1];
        long token = Token.of(key);
        long stamp = trees.enterUpdate();
        MerkleTree tree = trees.treeFor(token);
        long treeStamp = tree != null ? tree.enterUpdate() : 0;
        try {
            UnaryOperator<VersionedRecord> seen = seen(change, before);
            VersionedRecord after = deferred ? delegate.updateDeferred(key, seen) : delegate.update(key, seen);
            if (tree != null) {
                applyDelta(tree, token, key, before[0], after);
            }
            return after;
        } finally {
            if (tree != null) {
                tree.exitUpdate(treeStamp);
            }
            trees.exitUpdate(stamp);
        }
    }

    /** {@code change}, noting in {@code before} the record it was given. */
    private static UnaryOperator<VersionedRecord> seen(UnaryOperator<VersionedRecord> change,
                                                       VersionedRecord[] before) {
        return current -> {
            before[0] = current;
            return change.apply(current);
        };
    }

    private static void applyDelta(MerkleTree tree, long token, byte[] key, VersionedRecord before,
                                   VersionedRecord after) {
        if (before != null && after != before) {
            long delta = Digests.delta(token, key, before, after);
            if (delta != 0) {
                tree.apply(token, delta);
            }
        }
    }

    @Override
    public void scan(long fromToken, long toToken, RecordVisitor visitor) {
        delegate.scan(fromToken, toToken, visitor);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
