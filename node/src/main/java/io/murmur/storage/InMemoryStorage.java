package io.murmur.storage;

import io.murmur.ring.Token;
import io.murmur.runtime.Storage;
import io.murmur.runtime.StorageException;
import io.murmur.version.VersionedRecord;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.function.UnaryOperator;

/**
 * A {@link Storage} in a map, for tests and the simulator: same contract as the RocksDB
 * store, nothing survives the process.
 *
 * <p>Design note. {@link #update} runs the change inside
 * {@link ConcurrentHashMap#compute}, which holds the key's bin for the read-modify-write:
 * that gives the per-key atomicity the contract asks for without a lock of our own. The
 * change is reconciliation, pure and quick, so holding the bin is cheap; it must not call
 * back into this store. Beside the map, a sorted set of (token, key) orders the keys as
 * the RocksDB store does, for {@link #scan}; it is changed inside the same {@code compute},
 * so a key is in the set exactly while it holds a record.
 */
public final class InMemoryStorage implements Storage {
    private final ConcurrentHashMap<ByteKey, VersionedRecord> records = new ConcurrentHashMap<>();
    private final ConcurrentSkipListSet<Placed> order = new ConcurrentSkipListSet<>();
    private volatile boolean closed;

    /** A key at its ring token, ordered as the RocksDB store orders its data keys. */
    private record Placed(long token, ByteKey key) implements Comparable<Placed> {
        @Override
        public int compareTo(Placed other) {
            int c = Long.compare(token, other.token);
            if (c != 0) {
                return c;
            }
            if (key == null || other.key == null) {
                return key == other.key ? 0 : (key == null ? -1 : 1);
            }
            return key.compareTo(other.key);
        }
    }

    @Override
    public VersionedRecord get(byte[] key) {
        ensureOpen();
        VersionedRecord r = records.get(ByteKey.wrap(key));
        return r == null ? VersionedRecord.EMPTY : r;
    }

    /** Everything is in memory: the same as {@link #get}. */
    @Override
    public VersionedRecord getIfInMemory(byte[] key) {
        return get(key);
    }

    @Override
    public VersionedRecord update(byte[] key, UnaryOperator<VersionedRecord> change) {
        Objects.requireNonNull(change, "change");
        ensureOpen();
        VersionedRecord[] result = new VersionedRecord[1];
        records.compute(ByteKey.copyOf(key), (k, stored) -> {
            VersionedRecord current = stored == null ? VersionedRecord.EMPTY : stored;
            VersionedRecord next = Objects.requireNonNull(change.apply(current), "change returned null");
            result[0] = next;
            if (next == current) {
                return stored;
            }
            if (next.isEmpty()) {
                if (stored != null) {
                    order.remove(new Placed(Token.of(key), k));
                }
                return null;
            }
            if (stored == null) {
                order.add(new Placed(Token.of(key), k));
            }
            return next;
        });
        return result[0];
    }

    /** Everything is in memory and nothing throttles writes: the same as {@link #updateDeferred}. */
    @Override
    public VersionedRecord tryUpdateDeferred(byte[] key, UnaryOperator<VersionedRecord> change) {
        return updateDeferred(key, change);
    }

    /** The same as {@link #replaceDeferred}, which never waits here. */
    @Override
    public boolean tryReplaceDeferred(byte[] key, VersionedRecord next) {
        replaceDeferred(key, next);
        return true;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The scan walks the live key order: an update running beside it may or may not be
     * seen.
     */
    @Override
    public void scan(long fromToken, long toToken, RecordVisitor visitor) {
        if (fromToken > toToken) {
            throw new IllegalArgumentException("fromToken " + fromToken + " > toToken " + toToken);
        }
        Objects.requireNonNull(visitor, "visitor");
        ensureOpen();
        Placed from = new Placed(fromToken, null); // a null key sorts before every key of its token
        var range = toToken == Long.MAX_VALUE
                ? order.tailSet(from, true)
                : order.subSet(from, true, new Placed(toToken + 1, null), false);
        for (Placed p : range) {
            if (!visitIfPresent(p, visitor)) {
                return;
            }
        }
    }

    private boolean visitIfPresent(Placed p, RecordVisitor visitor) {
        VersionedRecord r = records.get(p.key());
        return r == null || visitor.visit(p.token(), p.key().toByteArray(), r);
    }

    /** How many keys hold a record. */
    public int size() {
        ensureOpen();
        return records.size();
    }

    @Override
    public void close() {
        closed = true;
        records.clear();
        order.clear();
    }

    private void ensureOpen() {
        if (closed) {
            throw new StorageException("storage is closed");
        }
    }
}
