package io.murmur.storage;

import io.murmur.ring.Token;
import io.murmur.runtime.Storage;
import io.murmur.runtime.StorageException;
import io.murmur.version.VersionedRecord;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Cache;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.Holder;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Status;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The node's replica store on disk: a RocksDB database with the column families
 * {@code data} (records), {@code hints} (hinted handoff) and {@code meta} (node id,
 * generation, tokens), plus the {@code default} family RocksDB requires.
 *
 * <p>Design note.
 * <ul>
 * <li>A {@code data} key is the key's ring token as 8 ordered bytes
 *     ({@link Token#writeOrdered}), then the key. Keys therefore sort by token, and a token
 *     range (what streaming and a Merkle tree cover) is one contiguous {@link #scan}.
 *     The value is the record as {@link RecordCodec} encodes it.</li>
 * <li>{@link #update} is atomic per key through lock striping: a fixed array of locks, a
 *     key's lock chosen by its token. Memory stays constant however many keys there are;
 *     two keys sharing a stripe only wait for each other's read-modify-write.</li>
 * <li>The write-ahead log is always on; {@link SyncMode} decides when it is fsynced.
 *     {@link #putMeta} always syncs: a node id or generation that is lost on power failure
 *     could be reused. No write asks RocksDB to sync it: RocksDB never groups writers
 *     whose sync settings differ, so a synced write would make every write queued behind
 *     it wait for its fsync, a network thread's non-blocking write included. Writes go to
 *     the log unsynced, and whoever must wait for durability waits for a separate fsync
 *     of the log: {@link #sync}, made by the group syncer in {@code always} mode, or
 *     {@link #putMeta}'s own.</li>
 * <li>In {@code always} mode the log is flushed by hand: a write appends to RocksDB's log
 *     buffer in memory, and the fsync every write waits for writes the buffer out first.
 *     A group of writes thus costs one {@code write} system call, not one each; and no
 *     write is acknowledged before that fsync, so nothing acknowledged is lost if the
 *     process dies. In {@code periodic} mode every write reaches the operating system at
 *     once, so a crash of the process alone loses nothing.</li>
 * <li>Native handles must not be freed under a running call, so every operation holds
 *     the read side of a lifecycle lock and {@link #close} takes the write side: close
 *     waits for calls in flight, and later calls fail with {@link StorageException}.</li>
 * <li>Every RocksDB error becomes a {@link StorageException} that says what was being
 *     done, to which key, in which database.</li>
 * </ul>
 */
public final class RocksDbStorage implements Storage {
    private static final Logger log = LoggerFactory.getLogger(RocksDbStorage.class);

    static final String DATA = "data";
    static final String HINTS = "hints";
    static final String META = "meta";

    /** Power of two, so a stripe is picked with a mask. */
    private static final int LOCK_STRIPES = 1024;
    private static final long MIB = 1L << 20;
    /** Bloom filter bits per key on {@code data}: about 1% false positives on point reads. */
    private static final double BLOOM_BITS_PER_KEY = 10;
    /** How long close waits for a WAL sync in progress before going on without it. */
    private static final long SYNC_SHUTDOWN_WAIT_MILLIS = 10_000;

    private final Path dir;
    private final StorageOptions options;
    private final RocksDB db;
    private final List<ColumnFamilyHandle> handles;
    private final ColumnFamilyHandle dataFamily;
    private final ColumnFamilyHandle metaFamily;
    private final ColumnFamilyHandle hintsFamily;
    /** Option objects, closed in reverse order after the database. */
    private final List<AutoCloseable> owned;
    private final WriteOptions deferredWrites;
    /** {@link #deferredWrites} that fail at once rather than wait while RocksDB throttles writes. */
    private final WriteOptions nonBlockingWrites;
    private final ReadOptions scanReads;
    private final ReentrantLock[] stripes = new ReentrantLock[LOCK_STRIPES];
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    /** Null in ALWAYS mode. */
    private final ScheduledExecutorService walSyncer;
    private final Object closeMonitor = new Object();
    /**
     * Group commit in {@code always} mode: callbacks of {@link #syncThen} waiting for the
     * next fsync, made by {@link #groupSyncer}. Guarded by {@link #groupSync}.
     */
    private final ReentrantLock groupSync = new ReentrantLock();
    private final Condition syncWanted = groupSync.newCondition();
    private List<Consumer<StorageException>> syncWaiting = new ArrayList<>();
    private boolean groupSyncStopping;
    private long groupSyncCount;
    /** Null in {@code periodic} mode. */
    private final Thread groupSyncer;
    /** Runs as a group's fsync starts; tests hold it to let callers queue up. */
    volatile Runnable beforeGroupFsync = () -> { };

    /** Guarded by {@link #lifecycle}: set under the write lock, read under the read lock. */
    private boolean closed;
    /** Guarded by {@link #closeMonitor}. */
    private boolean closeStarted;

    private RocksDbStorage(Path dir, StorageOptions options, RocksDB db, List<ColumnFamilyHandle> handles,
                           List<AutoCloseable> owned) {
        this.dir = dir;
        this.options = options;
        this.db = db;
        this.handles = List.copyOf(handles);
        this.dataFamily = handles.get(1);
        this.metaFamily = handles.get(3);
        this.hintsFamily = handles.get(2);
        this.owned = owned;
        this.deferredWrites = own(owned, new WriteOptions().setDisableWAL(false).setSync(false));
        this.nonBlockingWrites = own(owned, new WriteOptions().setDisableWAL(false).setSync(false)
                .setNoSlowdown(true));
        // Scans walk whole token ranges once; keep them from evicting the hot blocks.
        this.scanReads = own(owned, new ReadOptions().setFillCache(false));
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new ReentrantLock();
        }
        if (options.syncMode() == SyncMode.PERIODIC) {
            walSyncer = Executors.newSingleThreadScheduledExecutor(task -> {
                Thread t = new Thread(task, "murmur-storage-wal-sync");
                t.setDaemon(true);
                return t;
            });
            walSyncer.scheduleWithFixedDelay(this::syncWal, options.syncIntervalMillis(),
                    options.syncIntervalMillis(), TimeUnit.MILLISECONDS);
            groupSyncer = null;
        } else {
            walSyncer = null;
            groupSyncer = new Thread(this::runGroupSyncs, "murmur-storage-group-sync");
            groupSyncer.setDaemon(true);
            groupSyncer.start();
        }
    }

    /**
     * Opens the database in {@code dir}, creating the directory, the database and any
     * missing column family. Uses LZ4 compression, or none if this RocksDB build lacks it.
     *
     * @throws StorageException if the directory cannot be created or the database cannot
     *         be opened (in use by another process, damaged, or with column families
     *         this version does not know)
     */
    public static RocksDbStorage open(Path dir, StorageOptions options) {
        Objects.requireNonNull(options, "options");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StorageException("cannot create storage directory " + dir, e);
        }
        RocksDB.loadLibrary();
        try {
            return openWith(dir, options, CompressionType.LZ4_COMPRESSION);
        } catch (RocksDBException e) {
            if (!isCompressionMissing(e)) {
                throw openFailure(dir, e);
            }
            log.warn("LZ4 is not available in this RocksDB build, storing {} uncompressed", dir);
        }
        try {
            return openWith(dir, options, CompressionType.NO_COMPRESSION);
        } catch (RocksDBException e) {
            throw openFailure(dir, e);
        }
    }

    private static StorageException openFailure(Path dir, RocksDBException e) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("LOCK")) {
            return new StorageException("cannot open storage in " + dir + ": the data dir is in use by another "
                    + "running process (" + message + ")", e);
        }
        return new StorageException("cannot open storage in " + dir + ": " + message, e);
    }

    private static boolean isCompressionMissing(RocksDBException e) {
        Status s = e.getStatus();
        return s != null && s.getCode() == Status.Code.InvalidArgument
                && String.valueOf(e.getMessage()).contains("not linked with the binary");
    }

    private static RocksDbStorage openWith(Path dir, StorageOptions o, CompressionType compression)
            throws RocksDBException {
        List<AutoCloseable> owned = new ArrayList<>();
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        RocksDB db = null;
        try {
            Cache blockCache = own(owned, new LRUCache(o.blockCacheBytes()));
            BloomFilter bloom = own(owned, new BloomFilter(BLOOM_BITS_PER_KEY));
            ColumnFamilyOptions data = own(owned, new ColumnFamilyOptions()
                    .setWriteBufferSize(o.writeBufferBytes())
                    .setCompressionType(compression)
                    .setLevelCompactionDynamicLevelBytes(true)
                    .setTableFormatConfig(tableConfig(blockCache).setFilterPolicy(bloom)));
            // Hints are written and scanned in order, never read by point lookups: no filter.
            ColumnFamilyOptions hints = own(owned, new ColumnFamilyOptions()
                    .setWriteBufferSize(Math.max(MIB, o.writeBufferBytes() / 4))
                    .setCompressionType(compression)
                    .setLevelCompactionDynamicLevelBytes(true)
                    .setTableFormatConfig(tableConfig(blockCache)));
            ColumnFamilyOptions small = own(owned, new ColumnFamilyOptions()
                    .setWriteBufferSize(MIB)
                    .setTableFormatConfig(tableConfig(blockCache)));
            DBOptions dbOptions = own(owned, new DBOptions()
                    .setCreateIfMissing(true)
                    .setCreateMissingColumnFamilies(true)
                    .setMaxBackgroundJobs(o.maxBackgroundJobs())
                    // A log file can only go once every family has flushed what it holds;
                    // this bound makes the quiet families (meta, hints) flush rather than
                    // pin old logs forever.
                    .setMaxTotalWalSize(4 * o.writeBufferBytes())
                    // see the design note: in always mode every write waits for an fsync, which
                    // writes the log buffer out first
                    .setManualWalFlush(o.syncMode() == SyncMode.ALWAYS)
                    // Spread SST writes out instead of one large flush at file close.
                    .setBytesPerSync(MIB)
                    // RocksDB's own info log: bounded.
                    .setMaxLogFileSize(16 * MIB)
                    .setKeepLogFileNum(4));
            List<ColumnFamilyDescriptor> families = List.of(
                    new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, small),
                    new ColumnFamilyDescriptor(DATA.getBytes(StandardCharsets.UTF_8), data),
                    new ColumnFamilyDescriptor(HINTS.getBytes(StandardCharsets.UTF_8), hints),
                    new ColumnFamilyDescriptor(META.getBytes(StandardCharsets.UTF_8), small));
            db = RocksDB.open(dbOptions, dir.toString(), families, handles);
            return new RocksDbStorage(dir, o, db, handles, owned);
        } catch (RocksDBException | RuntimeException | Error e) {
            for (ColumnFamilyHandle h : handles) {
                h.close();
            }
            if (db != null) {
                db.close();
            }
            closeAll(owned, e);
            throw e;
        }
    }

    private static BlockBasedTableConfig tableConfig(Cache blockCache) {
        return new BlockBasedTableConfig()
                .setBlockCache(blockCache)
                // Index and filter blocks count against the cache instead of growing
                // outside it with the data; pinning level 0's keeps the hottest ones resident.
                .setCacheIndexAndFilterBlocks(true)
                .setPinL0FilterAndIndexBlocksInCache(true);
    }

    private static <T extends AutoCloseable> T own(List<AutoCloseable> owned, T resource) {
        owned.add(resource);
        return resource;
    }

    private static void closeAll(List<AutoCloseable> owned, Throwable failure) {
        for (int i = owned.size() - 1; i >= 0; i--) {
            try {
                owned.get(i).close();
            } catch (Exception e) {
                failure.addSuppressed(e);
            }
        }
    }

    @Override
    public VersionedRecord get(byte[] key) {
        byte[] dataKey = dataKey(Token.of(key), key);
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            return read(dataKey, key);
        } catch (RocksDBException e) {
            throw failure("read", key, e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>The change runs under the key's stripe lock and must not call back into this
     * store for another key (it might share the stripe, or close the store).
     */
    @Override
    public VersionedRecord update(byte[] key, UnaryOperator<VersionedRecord> change) {
        boolean[] changed = new boolean[1];
        VersionedRecord stored = updateUnsynced(key, current -> {
            VersionedRecord next = change.apply(current);
            changed[0] = next != current;
            return next;
        });
        if (changed[0]) {
            sync(); // once no lock is held: the group syncer may need them
        }
        return stored;
    }

    /** Written to the write-ahead log, fsynced by the next {@link #sync} (or the periodic sync). */
    @Override
    public VersionedRecord updateDeferred(byte[] key, UnaryOperator<VersionedRecord> change) {
        return updateUnsynced(key, change);
    }

    /** Written to the write-ahead log without a read first; see {@link Storage#replaceDeferred}. */
    @Override
    public void replaceDeferred(byte[] key, VersionedRecord next) {
        Objects.requireNonNull(next, "next");
        long token = Token.of(key);
        byte[] dataKey = dataKey(token, key);
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            store(dataKey, next, deferredWrites);
        } catch (RocksDBException e) {
            throw failure("write", key, e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /**
     * What RocksDB can tell without reading the disk ({@code keyMayExist}, which looks
     * only at the memtables, the bloom filters and blocks already cached): the empty
     * record when the key is certainly absent (a filter's "no" is never wrong), the record
     * when it was found in memory, else {@code null}. A key never written, or written
     * lately, is thus known without a read, so its write may run on a network thread.
     */
    @Override
    public VersionedRecord getIfInMemory(byte[] key) {
        byte[] dataKey = dataKey(Token.of(key), key);
        if (!lifecycle.readLock().tryLock()) {
            return null;
        }
        try {
            ensureOpen();
            Holder<byte[]> found = new Holder<>();
            if (!db.keyMayExist(dataFamily, dataKey, found)) {
                return VersionedRecord.EMPTY;
            }
            return found.getValue() == null ? null : decode(found.getValue(), key);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /**
     * {@link #replaceDeferred} unless it would wait: for the lifecycle lock (a close is under
     * way) or for RocksDB, which answers a write it would slow down or stall (too many
     * memtables or level-0 files waiting for flush and compaction) with {@code Incomplete}
     * instead.
     */
    @Override
    public boolean tryReplaceDeferred(byte[] key, VersionedRecord next) {
        Objects.requireNonNull(next, "next");
        byte[] dataKey = dataKey(Token.of(key), key);
        if (!lifecycle.readLock().tryLock()) {
            return false;
        }
        try {
            ensureOpen();
            store(dataKey, next, nonBlockingWrites);
            return true;
        } catch (RocksDBException e) {
            if (e.getStatus() != null && e.getStatus().getCode() == Status.Code.Incomplete) {
                return false;
            }
            throw failure("write", key, e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /**
     * In {@code always} mode, returns once the write-ahead log is fsynced past every write
     * that finished before this call; in {@code periodic} mode the schedule does that.
     * Shares fsyncs with every other caller, as {@link #syncThen} does.
     *
     * @throws StorageException if the fsync this caller waited for failed (a later call
     *         tries again)
     */
    @Override
    public void sync() {
        if (options.syncMode() != SyncMode.ALWAYS) {
            return;
        }
        if (Thread.currentThread() == groupSyncer) { // a callback that syncs: it would wait for itself
            syncWalNow();
            return;
        }
        CompletableFuture<StorageException> done = new CompletableFuture<>();
        syncThen(done::complete);
        StorageException failure = done.join();
        if (failure != null) {
            throw new StorageException(failure.getMessage(), failure);
        }
    }

    /**
     * In {@code always} mode, queues {@code then} for the next fsync of the write-ahead log
     * and returns at once. One thread makes the fsyncs, one at a time, and each covers
     * every caller queued before it started; callers that arrive during an fsync share the
     * next one. So under load an fsync covers as many writes as arrived while the last one
     * ran, and no request thread waits for the disk. Callbacks run on that thread, in the
     * order they were queued. In {@code periodic} mode, calls {@code then} at once: the
     * schedule makes writes durable.
     *
     * <p>After {@link #close} has begun, calls {@code then} at once with a failure.
     */
    @Override
    public void syncThen(Consumer<StorageException> then) {
        Objects.requireNonNull(then, "then");
        if (options.syncMode() != SyncMode.ALWAYS) {
            then.accept(null);
            return;
        }
        groupSync.lock();
        try {
            if (!groupSyncStopping) {
                syncWaiting.add(then);
                syncWanted.signal();
                return;
            }
        } finally {
            groupSync.unlock();
        }
        then.accept(new StorageException("storage in " + dir + " is closed"));
    }

    /** The group syncer: fsyncs while callbacks wait, then calls them; drains them at close. */
    private void runGroupSyncs() {
        while (true) {
            List<Consumer<StorageException>> batch;
            groupSync.lock();
            try {
                while (syncWaiting.isEmpty() && !groupSyncStopping) {
                    syncWanted.awaitUninterruptibly();
                }
                if (syncWaiting.isEmpty()) {
                    return;
                }
                batch = syncWaiting;
                syncWaiting = new ArrayList<>();
            } finally {
                groupSync.unlock();
            }
            StorageException failure = null;
            try {
                beforeGroupFsync.run();
                syncWalNow();
            } catch (StorageException e) {
                failure = e; // this group fails; the next one tries again
            } catch (RuntimeException e) {
                failure = new StorageException("cannot sync the write-ahead log of " + dir + ": " + e, e);
            }
            if (failure == null) {
                groupSync.lock();
                try {
                    groupSyncCount++;
                } finally {
                    groupSync.unlock();
                }
            }
            for (Consumer<StorageException> then : batch) {
                try {
                    then.accept(failure);
                } catch (RuntimeException e) {
                    log.error("a caller's step after a write-ahead log sync of {} failed", dir, e);
                }
            }
        }
    }

    private void syncWalNow() {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            db.flushWal(true);
        } catch (RocksDBException e) {
            throw new StorageException("cannot sync the write-ahead log of " + dir + ": " + e.getMessage(), e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** Callers of {@link #sync} and {@link #syncThen} queued for the next fsync. */
    int syncWaiters() {
        groupSync.lock();
        try {
            return syncWaiting.size();
        } finally {
            groupSync.unlock();
        }
    }

    /** How many group fsyncs have been made: fewer than the calls they covered when those overlap. */
    public long groupSyncs() {
        groupSync.lock();
        try {
            return groupSyncCount;
        } finally {
            groupSync.unlock();
        }
    }

    /** The read-modify-write of one key under its stripe, written to the log unsynced. */
    private VersionedRecord updateUnsynced(byte[] key, UnaryOperator<VersionedRecord> change) {
        Objects.requireNonNull(change, "change");
        long token = Token.of(key);
        byte[] dataKey = dataKey(token, key);
        ReentrantLock stripe = stripes[(int) token & (LOCK_STRIPES - 1)];
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            stripe.lock();
            try {
                VersionedRecord current = read(dataKey, key);
                VersionedRecord next = Objects.requireNonNull(change.apply(current), "change returned null");
                if (next == current) {
                    return current;
                }
                store(dataKey, next, deferredWrites);
                return next;
            } finally {
                stripe.unlock();
            }
        } catch (RocksDBException e) {
            throw failure("write", key, e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** Writes {@code next} under {@code dataKey}; the empty record deletes it. */
    private void store(byte[] dataKey, VersionedRecord next, WriteOptions writes) throws RocksDBException {
        if (next.isEmpty()) {
            db.delete(dataFamily, writes, dataKey);
        } else {
            db.put(dataFamily, writes, dataKey, RecordCodec.encode(next));
        }
    }

    private VersionedRecord read(byte[] dataKey, byte[] key) throws RocksDBException {
        return decode(db.get(dataFamily, dataKey), key);
    }

    private VersionedRecord decode(byte[] stored, byte[] key) {
        if (stored == null) {
            return VersionedRecord.EMPTY;
        }
        try {
            return RecordCodec.decode(stored);
        } catch (CorruptRecordException e) {
            throw new StorageException("corrupt record for key " + ByteKey.describe(key) + " in " + dir + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>The scan reads one consistent snapshot and does not fill the block cache. It
     * holds off {@link #close} while it runs.
     */
    @Override
    public void scan(long fromToken, long toToken, RecordVisitor visitor) {
        if (fromToken > toToken) {
            throw new IllegalArgumentException("fromToken " + fromToken + " > toToken " + toToken);
        }
        Objects.requireNonNull(visitor, "visitor");
        byte[] start = new byte[8];
        Token.writeOrdered(fromToken, start, 0);
        lifecycle.readLock().lock();
        try (RocksIterator it = newScanIterator()) {
            for (it.seek(start); it.isValid(); it.next()) {
                byte[] k = it.key();
                long token = Token.readOrdered(k, 0);
                if (token > toToken) {
                    break;
                }
                byte[] key = Arrays.copyOfRange(k, 8, k.length);
                VersionedRecord record;
                try {
                    record = RecordCodec.decode(it.value());
                } catch (CorruptRecordException e) {
                    throw new StorageException("corrupt record for key " + ByteKey.describe(key) + " in " + dir
                            + ": " + e.getMessage(), e);
                }
                if (!visitor.visit(token, key, record)) {
                    break;
                }
            }
            it.status();
        } catch (RocksDBException e) {
            throw new StorageException("cannot scan tokens " + fromToken + ".." + toToken + " in " + dir + ": "
                    + e.getMessage(), e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private RocksIterator newScanIterator() {
        ensureOpen();
        return db.newIterator(dataFamily, scanReads);
    }

    // ---- the hints family, for RocksDbHintStore

    /** Durable as {@link #update} makes a record. */
    void putHint(byte[] key, byte[] value) {
        hintsCall("write", () -> {
            db.put(hintsFamily, deferredWrites, key, value);
            return null;
        });
        sync();
    }

    byte[] getHint(byte[] key) {
        return hintsCall("read", () -> db.get(hintsFamily, key));
    }

    /** Durable as {@link #update} makes a record. */
    void deleteHint(byte[] key) {
        hintsCall("delete", () -> {
            db.delete(hintsFamily, deferredWrites, key);
            return null;
        });
        sync();
    }

    /** Visits hints in key order from {@code from} while the visitor returns true. */
    void scanHints(byte[] from, java.util.function.BiPredicate<byte[], byte[]> visitor) {
        hintsCall("scan", () -> {
            try (RocksIterator it = db.newIterator(hintsFamily, scanReads)) {
                for (it.seek(from); it.isValid(); it.next()) {
                    if (!visitor.test(it.key(), it.value())) {
                        break;
                    }
                }
                it.status();
            }
            return null;
        });
    }

    private interface HintsWork<T> {
        T run() throws RocksDBException;
    }

    private <T> T hintsCall(String what, HintsWork<T> work) {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            return work.run();
        } catch (RocksDBException e) {
            throw new StorageException("cannot " + what + " hints in " + dir + ": " + e.getMessage(), e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** The value stored under {@code name} in the {@code meta} family, if any. */
    public Optional<byte[]> getMeta(String name) {
        byte[] key = metaKey(name);
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            return Optional.ofNullable(db.get(metaFamily, key));
        } catch (RocksDBException e) {
            throw new StorageException("cannot read meta " + name + " in " + dir + ": " + e.getMessage(), e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** Stores {@code value} under {@code name} in the {@code meta} family, fsynced before returning. */
    public void putMeta(String name, byte[] value) {
        byte[] key = metaKey(name);
        Objects.requireNonNull(value, "value");
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            db.put(metaFamily, deferredWrites, key, value);
            db.flushWal(true); // an fsync of the log, outside RocksDB's queue of writers
        } catch (RocksDBException e) {
            throw new StorageException("cannot write meta " + name + " in " + dir + ": " + e.getMessage(), e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private static byte[] metaKey(String name) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("meta name must not be empty");
        }
        return name.getBytes(StandardCharsets.UTF_8);
    }

    /** RocksDB's estimate of the number of keys in {@code data}: cheap, for status pages. */
    public long approximateKeyCount() {
        return dataProperty("rocksdb.estimate-num-keys");
    }

    /** RocksDB's estimate of the bytes of live data in {@code data}, on disk and in memtables. */
    public long approximateDataBytes() {
        return dataProperty("rocksdb.estimate-live-data-size") + dataProperty("rocksdb.cur-size-all-mem-tables");
    }

    private long dataProperty(String property) {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            return db.getLongProperty(dataFamily, property);
        } catch (RocksDBException e) {
            throw new StorageException("cannot read " + property + " in " + dir + ": " + e.getMessage(), e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** The options this store was opened with. */
    public StorageOptions options() {
        return options;
    }

    /** The sequence number of the last write: lets tests see whether a call wrote. */
    long latestSequenceNumber() {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            return db.getLatestSequenceNumber();
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private void syncWal() {
        lifecycle.readLock().lock();
        try {
            if (!closed) {
                db.flushWal(true);
            }
        } catch (RocksDBException | RuntimeException e) {
            // Keep the schedule alive (a throwing task is never run again); if the disk is
            // failing, RocksDB also stops accepting writes, and those fail loudly.
            log.error("cannot sync the write-ahead log of {}", dir, e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /**
     * Waits for calls in flight, fsyncs the write-ahead log and frees every native handle.
     * Idempotent; a second caller returns once the first is done.
     *
     * @throws StorageException if the final sync or RocksDB's close reported an error
     *         (every handle is freed anyway)
     */
    @Override
    public void close() {
        synchronized (closeMonitor) {
            if (closeStarted) {
                return;
            }
            closeStarted = true;
            if (groupSyncer != null) {
                groupSync.lock();
                try {
                    groupSyncStopping = true;
                    syncWanted.signal();
                } finally {
                    groupSync.unlock();
                }
                try {
                    // it makes the fsync owed to every caller queued so far, then ends
                    groupSyncer.join(SYNC_SHUTDOWN_WAIT_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (groupSyncer.isAlive()) {
                    log.warn("write-ahead log group sync of {} still running at close", dir);
                }
            }
            if (walSyncer != null) {
                walSyncer.shutdown();
                try {
                    if (!walSyncer.awaitTermination(SYNC_SHUTDOWN_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                        log.warn("write-ahead log sync of {} still running at close", dir);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            lifecycle.writeLock().lock();
            try {
                closed = true;
                StorageException failure = null;
                try {
                    db.flushWal(true);
                } catch (RocksDBException e) {
                    failure = new StorageException("cannot sync the write-ahead log of " + dir + " at close: "
                            + e.getMessage(), e);
                }
                // Column family handles before the database, option objects after it.
                for (ColumnFamilyHandle h : handles) {
                    h.close();
                }
                try {
                    db.closeE();
                } catch (RocksDBException e) {
                    StorageException f = new StorageException("cannot close storage in " + dir + ": "
                            + e.getMessage(), e);
                    if (failure == null) {
                        failure = f;
                    } else {
                        failure.addSuppressed(f);
                    }
                }
                StorageException collected = new StorageException("cannot free storage options of " + dir);
                closeAll(owned, collected);
                if (failure == null && collected.getSuppressed().length > 0) {
                    failure = collected;
                }
                if (failure != null) {
                    throw failure;
                }
            } finally {
                lifecycle.writeLock().unlock();
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new StorageException("storage is closed");
        }
    }

    private StorageException failure(String action, byte[] key, RocksDBException e) {
        return new StorageException("cannot " + action + " key " + ByteKey.describe(key) + " in " + dir + ": "
                + e.getMessage(), e);
    }

    /** The {@code data} key of {@code key}: its ordered token, then the key. */
    static byte[] dataKey(long token, byte[] key) {
        byte[] out = new byte[8 + key.length];
        Token.writeOrdered(token, out, 0);
        System.arraycopy(key, 0, out, 8, key.length);
        return out;
    }

    @Override
    public String toString() {
        return "RocksDbStorage{" + dir + ", " + options.syncMode() + "}";
    }
}
