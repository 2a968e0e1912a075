package io.murmur.storage;

import java.util.Objects;

/**
 * How a {@link RocksDbStorage} is opened. Immutable; start from {@link #defaults()} and
 * change what you need with the {@code with...} methods.
 *
 * <p>The defaults suit a small machine that may run several nodes side by side (a laptop
 * demo, a 2-core CI box): about 64 MiB of block cache plus at most
 * {@code 2 × writeBufferBytes} of memtables per column family being written.
 *
 * @param syncMode when the write-ahead log is fsynced. Default {@link SyncMode#PERIODIC}:
 *        replication, not one disk, is what keeps a Dynamo-style write (W replicas ack it),
 *        a process crash loses nothing in either mode, and a per-write fsync would bound
 *        every replica's write rate by its disk's flush latency.
 * @param syncIntervalMillis in PERIODIC mode, how often the log is fsynced, 1..60000.
 *        Default 100: a machine crash loses at most about this much of one replica's
 *        writes, while the fsync costs one flush per interval however busy the node is.
 * @param blockCacheBytes RocksDB's cache of uncompressed blocks, shared by all column
 *        families, including index and filter blocks (so they are bounded too). Default
 *        64 MiB. Hot decoded records live in the Caffeine cache above the store; this one
 *        catches the rest of the working set and the indexes.
 * @param writeBufferBytes the memtable size of the {@code data} family, at least 1 MiB.
 *        Default 32 MiB: large enough to batch writes into few level-0 files, half
 *        RocksDB's 64 MiB default so that several nodes fit on one machine. The {@code hints}
 *        family gets a quarter of it, {@code meta} and {@code default} 1 MiB.
 * @param maxBackgroundJobs threads RocksDB uses for flushes and compactions, at least 1.
 *        Default 2, RocksDB's own default, and the core count the project targets.
 */
public record StorageOptions(SyncMode syncMode, long syncIntervalMillis, long blockCacheBytes,
                             long writeBufferBytes, int maxBackgroundJobs) {
    private static final long MIB = 1L << 20;

    public StorageOptions {
        Objects.requireNonNull(syncMode, "syncMode");
        if (syncIntervalMillis < 1 || syncIntervalMillis > 60_000) {
            throw new IllegalArgumentException("syncIntervalMillis must be in 1..60000, got " + syncIntervalMillis);
        }
        if (blockCacheBytes < MIB) {
            throw new IllegalArgumentException("blockCacheBytes must be at least 1 MiB, got " + blockCacheBytes);
        }
        if (writeBufferBytes < MIB) {
            throw new IllegalArgumentException("writeBufferBytes must be at least 1 MiB, got " + writeBufferBytes);
        }
        if (maxBackgroundJobs < 1) {
            throw new IllegalArgumentException("maxBackgroundJobs must be at least 1, got " + maxBackgroundJobs);
        }
    }

    /** The defaults documented on each component. */
    public static StorageOptions defaults() {
        return new StorageOptions(SyncMode.PERIODIC, 100, 64 * MIB, 32 * MIB, 2);
    }

    public StorageOptions withSyncMode(SyncMode mode) {
        return new StorageOptions(mode, syncIntervalMillis, blockCacheBytes, writeBufferBytes, maxBackgroundJobs);
    }

    public StorageOptions withSyncIntervalMillis(long millis) {
        return new StorageOptions(syncMode, millis, blockCacheBytes, writeBufferBytes, maxBackgroundJobs);
    }

    public StorageOptions withBlockCacheBytes(long bytes) {
        return new StorageOptions(syncMode, syncIntervalMillis, bytes, writeBufferBytes, maxBackgroundJobs);
    }

    public StorageOptions withWriteBufferBytes(long bytes) {
        return new StorageOptions(syncMode, syncIntervalMillis, blockCacheBytes, bytes, maxBackgroundJobs);
    }

    public StorageOptions withMaxBackgroundJobs(int jobs) {
        return new StorageOptions(syncMode, syncIntervalMillis, blockCacheBytes, writeBufferBytes, jobs);
    }
}
