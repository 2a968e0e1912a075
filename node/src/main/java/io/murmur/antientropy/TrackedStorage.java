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
            UnaryOperator<VersionedRecord> seen = current -> {
                before[0] = current;
                return change.apply(current);
            };
            VersionedRecord after = deferred ? delegate.updateDeferred(key, seen) : delegate.update(key, seen);
            if (tree != null && before[0] != null && after != before[0]) {
                long delta = Digests.delta(token, key, before[0], after);
                if (delta != 0) {
                    tree.apply(token, delta);
                }
            }
            return after;
        } finally {
            if (tree != null) {
                tree.exitUpdate(treeStamp);
            }
            trees.exitUpdate(stamp);
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
