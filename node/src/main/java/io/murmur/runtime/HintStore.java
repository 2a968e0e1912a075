package io.murmur.runtime;

import io.murmur.version.VersionedRecord;

import java.util.List;
import java.util.SortedMap;

/**
 * Hints, as the protocol cores see them: versions a node keeps for a replica that could
 * not take them (it was down or did not answer), until that replica is back. A real node
 * keeps them in RocksDB's {@code hints} family; the simulator in memory, surviving its
 * node's crashes as a disk would.
 *
 * <p>Hints of one target are kept in the order they were added, each under a sequence
 * number that grows with every hint this store takes. Calls block until done and are safe
 * from many threads.
 */
public interface HintStore {
    /**
     * One hint.
     *
     * @param target          the replica it is for
     * @param seq             its place in the target's queue
     * @param key             the key
     * @param record          the versions to hand over
     * @param createdAtMillis when it was stored (wall clock), for the expiry window
     * @param bytes           what it weighs in the bound on bytes per target
     */
    record Hint(String target, long seq, byte[] key, VersionedRecord record, long createdAtMillis, long bytes) {
    }

    /** Hints held for one target. */
    record Pending(long count, long bytes) {
    }

    /**
     * Stores a hint for {@code target}, durable as the store's sync setting promises,
     * unless the target's hints would then weigh more than {@code maxBytesPerTarget}.
     *
     * @return whether the hint was stored
     */
    boolean add(String target, byte[] key, VersionedRecord record, long createdAtMillis, long maxBytesPerTarget)
            throws StorageException;

    /** Up to {@code max} of the oldest hints for {@code target}, oldest first. */
    List<Hint> oldest(String target, int max) throws StorageException;

    /** Removes the hint {@code seq} of {@code target}; nothing if it is gone already. */
    void remove(String target, long seq) throws StorageException;

    /** Hints held, by target, in target order; targets without hints are absent. */
    SortedMap<String, Pending> pending();
}
