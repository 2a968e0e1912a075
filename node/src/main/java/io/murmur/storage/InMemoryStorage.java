package io.murmur.storage;

import io.murmur.runtime.Storage;
import io.murmur.runtime.StorageException;
import io.murmur.version.VersionedRecord;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * A {@link Storage} in a map, for tests and the simulator: same contract as the RocksDB
 * store, nothing survives the process.
 *
 * <p>Design note. {@link #update} runs the change inside
 * {@link ConcurrentHashMap#compute}, which holds the key's bin for the read-modify-write:
 * that gives the per-key atomicity the contract asks for without a lock of our own. The
 * change is reconciliation, pure and quick, so holding the bin is cheap; it must not call
 * back into this store.
 */
public final class InMemoryStorage implements Storage {
    private final ConcurrentHashMap<ByteKey, VersionedRecord> records = new ConcurrentHashMap<>();
    private volatile boolean closed;

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
            return next.isEmpty() ? null : next;
        });
        return result[0];
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
    }

    private void ensureOpen() {
        if (closed) {
            throw new StorageException("storage is closed");
        }
    }
}
