package io.murmur.storage;

/**
 * When the write-ahead log reaches the disk. Either way every write goes to the log before
 * it is acknowledged, so the OS holds it: a crash of the node's process loses nothing.
 * The modes differ only on a crash of the machine (power loss, kernel panic).
 */
public enum SyncMode {
    /**
     * Every write waits for an fsync of the log. An acknowledged write survives power loss;
     * each write pays a disk flush (concurrent writers share one, RocksDB groups them).
     */
    ALWAYS,
    /**
     * Writes do not wait; a background thread fsyncs the log every
     * {@link StorageOptions#syncIntervalMillis()} and once more on close. A machine crash
     * may lose the writes of the last interval on this replica; the other replicas of each
     * write still hold it.
     */
    PERIODIC
}
