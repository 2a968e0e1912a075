package io.murmur.replication;

import io.murmur.runtime.Clock;
import io.murmur.runtime.Storage;
import io.murmur.version.VectorClock;
import io.murmur.version.Version;
import io.murmur.version.VersionedRecord;

import java.util.Objects;

/**
 * Coordinates reads and writes on a node that is the only replica of every key.
 *
 * <p>Design note. A write is one atomic read-modify-write of the key's record: the new
 * version's dot is this node's next counter for the key, its context is the client's
 * causal context, and reconciliation drops exactly the siblings that context covers.
 * The quorum coordinator of the replicated cluster applies writes on each replica the
 * same way ({@link #applyLocally}); only the fan-out differs.
 */
public final class LocalCoordinator {
    private final String nodeId;
    private final Storage storage;
    private final Clock clock;
    private final int maxClockEntries;

    public LocalCoordinator(String nodeId, Storage storage, Clock clock, int maxClockEntries) {
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        this.storage = Objects.requireNonNull(storage, "storage");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (maxClockEntries < 1) {
            throw new IllegalArgumentException("maxClockEntries must be >= 1");
        }
        this.maxClockEntries = maxClockEntries;
    }

    /** The key's current siblings ({@link VersionedRecord#EMPTY} when never written). */
    public VersionedRecord read(byte[] key) {
        return storage.get(key);
    }

    /** The key's record if it can be read from memory without blocking, else {@code null}. */
    public VersionedRecord readIfInMemory(byte[] key) {
        return storage.getIfInMemory(key);
    }

    /**
     * Writes a new version of {@code key} that supersedes what {@code context} covers.
     *
     * @param value the value, or {@code null} to write a tombstone
     * @return the version written
     */
    public Version write(byte[] key, VectorClock context, byte[] value) {
        long now = clock.wallMillis();
        Version[] written = new Version[1];
        storage.update(key, record -> {
            Version v = record.nextVersion(nodeId, context, value, now, maxClockEntries);
            written[0] = v;
            return record.add(v);
        });
        return written[0];
    }

    /** Reconciles a version coordinated elsewhere into this replica's record. */
    public VersionedRecord applyLocally(byte[] key, Version version) {
        return storage.update(key, record -> record.add(version));
    }
}
