package io.murmur.runtime;

import io.murmur.version.VersionedRecord;

import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A node's local replica store, as the protocol cores see it: records by key. A real node
 * keeps them in RocksDB behind a cache; the simulator in memory.
 *
 * <p>Calls block until done (a real store may touch the disk), so a real node makes them
 * off its network event loops; only {@link #getIfInMemory}, {@link #tryUpdateDeferred} and
 * {@link #tryReplaceDeferred} promise not to, and so may run on one. Every method is safe
 * to call from many threads.
 */
public interface Storage extends AutoCloseable {
    /** The record stored for {@code key}, or {@link VersionedRecord#EMPTY}. */
    VersionedRecord get(byte[] key) throws StorageException;

    /**
     * The record stored for {@code key} if the store can answer from memory without
     * blocking (a cache hit; a memtable hit, or a key its filters rule out), else
     * {@code null}. Lets a real node answer hot reads, and write keys it knows, on its
     * network thread instead of handing them to a request thread. The default knows
     * nothing in memory.
     */
    default VersionedRecord getIfInMemory(byte[] key) throws StorageException {
        return null;
    }

    /**
     * Atomically replaces the record of {@code key} with {@code change} applied to it.
     * No other update of the same key runs between the read and the write, and
     * {@code change} is called exactly once. When
     * {@code change} returns the record it was given, nothing is written. Returns the
     * record stored afterwards, durable as the store's sync setting promises.
     */
    VersionedRecord update(byte[] key, UnaryOperator<VersionedRecord> change) throws StorageException;

    /**
     * {@link #update} without waiting for durability: the change is durable after the next
     * {@link #sync}. For bulk merges (repair) that make one batch durable at once instead of
     * each record. The default is {@link #update}.
     */
    default VersionedRecord updateDeferred(byte[] key, UnaryOperator<VersionedRecord> change)
            throws StorageException {
        return update(key, change);
    }

    /**
     * Stores {@code next} as the record of {@code key} (an empty record deletes it) without
     * reading what is stored, durable after the next {@link #sync}. For a layer above that
     * already knows the stored record, because every write passes through it (a cache),
     * and that keeps other writes of {@code key} out meanwhile: the store then skips a
     * read it would only repeat. The default is an {@link #updateDeferred} that ignores
     * what it reads.
     */
    default void replaceDeferred(byte[] key, VersionedRecord next) throws StorageException {
        updateDeferred(key, stored -> next);
    }

    /**
     * {@link #updateDeferred}, but only if the store can make it without blocking: the
     * record is in memory, no other update of {@code key} is under way, and the store is
     * not throttling writes. Returns the record stored afterwards, or {@code null}, having
     * stored nothing, when it cannot; the caller then makes the update where it may block.
     * Lets a real node apply hot writes on the network thread that received them.
     *
     * <p>{@code change} may be called even when this returns {@code null}, its result then
     * dropped; it must be safe to call again. The default never can.
     */
    default VersionedRecord tryUpdateDeferred(byte[] key, UnaryOperator<VersionedRecord> change)
            throws StorageException {
        return null;
    }

    /**
     * {@link #replaceDeferred}, but only if the store can take it without blocking (it is
     * not throttling writes); returns whether it did. The default never can.
     */
    default boolean tryReplaceDeferred(byte[] key, VersionedRecord next) throws StorageException {
        return false;
    }

    /**
     * Makes every change so far as durable as {@link #update} makes one: with the RocksDB
     * store syncing every write, fsyncs the write-ahead log once. The default does nothing.
     */
    default void sync() throws StorageException {
    }

    /**
     * Calls {@code then} once every change made before this call is as durable as
     * {@link #update} makes one: with {@code null}, or with the failure that kept it from
     * being so. For a caller that answers once its write is durable (a write's coordinator,
     * a replica storing a copy): it hands on the answer instead of holding a thread while
     * the disk syncs, and calls that arrive together share one fsync.
     *
     * <p>{@code then} may run on another thread, later, and must not block. The default
     * calls {@link #sync}, then {@code then}, on this thread.
     */
    default void syncThen(Consumer<StorageException> then) {
        StorageException failure = null;
        try {
            sync();
        } catch (StorageException e) {
            failure = e;
        }
        then.accept(failure);
    }

    /** Receives records from {@link #scan}. */
    @FunctionalInterface
    interface RecordVisitor {
        /** Takes one record; returns whether the scan should go on. */
        boolean visit(long token, byte[] key, VersionedRecord record);
    }

    /**
     * Visits, in token order (then key order, bytes unsigned), every record whose key's
     * token lies in {@code [fromToken, toToken]}, signed, without wrapping around: a
     * caller with a wrapping ring range makes two calls. Keys are stored by token, so a
     * token range is one contiguous read. The visitor must not call back into this store.
     * A scan sees every update that finished before it started; updates made while it
     * runs may or may not be seen.
     *
     * @throws IllegalArgumentException if {@code fromToken > toToken}
     */
    void scan(long fromToken, long toToken, RecordVisitor visitor) throws StorageException;

    /** Releases the store; later calls fail with {@link StorageException}. */
    @Override
    void close();
}
