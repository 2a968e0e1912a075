package io.murmur.storage;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import io.murmur.runtime.Storage;
import io.murmur.runtime.StorageException;
import io.murmur.version.VersionedRecord;

import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A {@link Storage} decorator that keeps hot decoded records in a Caffeine cache bounded
 * in bytes, so a read of a hot key costs neither a disk read nor a decode.
 *
 * <p>Design note: staleness. The danger is a read that misses, loads the old record from
 * the store, and puts it in the cache after an update of the same key has put the new
 * one: the cache would then serve the old record until evicted. To rule it out, filling
 * the cache after a miss and updating a key both happen under the key's stripe lock here
 * (a fixed array of locks, chosen by key hash), so for one key they run one at a time:
 * a fill that starts after an update reads the updated record, and an update that starts
 * after a fill overwrites what the fill put. Hits take no lock; they may return the
 * record an update in flight is about to replace, which is fine because that update has
 * not returned yet. Doing the store call inside {@code cache.asMap().compute} would give
 * the same ordering, but would hold a hash-table bin lock (shared with unrelated keys, and
 * blocking table resizes) across a disk read or fsync; a stripe lock only delays keys on
 * the same stripe.
 *
 * <p>The cache is correct only if every write of the underlying store goes through this
 * decorator. When an update fails the key's entry is dropped, so the next read goes to
 * the store for the truth. The same rule lets a deferred update of a cached key change
 * the cached record and hand the result to the store ({@link Storage#replaceDeferred}),
 * which then need not read the record again.
 *
 * <p>Entries weigh the record's {@link VersionedRecord#weightBytes()} plus the key's
 * length plus a fixed overhead, so the bound is a memory bound, not a count. Absent keys
 * are cached too (as {@link VersionedRecord#EMPTY}): reads of missing keys are common in a
 * quorum store.
 */
public final class CachingStorage implements Storage {
    private static final int LOCK_STRIPES = 1024;
    /** Roughly what the key wrapper and the cache's node cost beyond the key and record. */
    private static final int ENTRY_OVERHEAD_BYTES = 96;

    private final Storage delegate;
    private final Cache<ByteKey, VersionedRecord> cache;
    private final ReentrantLock[] stripes = new ReentrantLock[LOCK_STRIPES];
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Caches records of {@code delegate} up to about {@code maximumWeightBytes} of memory. */
    public CachingStorage(Storage delegate, long maximumWeightBytes) {
        this(delegate, maximumWeightBytes, ForkJoinPool.commonPool());
    }

    /**
     * As {@link #CachingStorage(Storage, long)}, with the cache's maintenance (eviction,
     * statistics) run on {@code maintenance}; {@code Runnable::run} keeps it on the
     * calling threads, for deterministic tests.
     */
    public CachingStorage(Storage delegate, long maximumWeightBytes, Executor maintenance) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        if (maximumWeightBytes < 0) {
            throw new IllegalArgumentException("maximumWeightBytes must be >= 0, got " + maximumWeightBytes);
        }
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maximumWeightBytes)
                .weigher(CachingStorage::weigh)
                .executor(Objects.requireNonNull(maintenance, "maintenance"))
                .recordStats()
                .build();
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    private static int weigh(ByteKey key, VersionedRecord record) {
        long w = (long) ENTRY_OVERHEAD_BYTES + key.length() + record.weightBytes();
        return (int) Math.min(Integer.MAX_VALUE, w);
    }

    @Override
    public VersionedRecord get(byte[] key) {
        ensureOpen();
        ByteKey lookup = ByteKey.wrap(key);
        VersionedRecord cached = cache.getIfPresent(lookup);
        if (cached != null) {
            return cached;
        }
        ReentrantLock stripe = stripe(lookup);
        stripe.lock();
        try {
            // Another reader may have filled it while we waited; asMap().get records no stats.
            cached = cache.asMap().get(lookup);
            if (cached != null) {
                return cached;
            }
            VersionedRecord loaded = delegate.get(key);
            cache.put(ByteKey.copyOf(key), loaded);
            return loaded;
        } finally {
            stripe.unlock();
        }
    }

    /**
     * A cache hit; on a miss, what the store below knows without blocking
     * ({@link Storage#getIfInMemory}), which then fills the cache, if the key's stripe is
     * free; else {@code null}.
     */
    @Override
    public VersionedRecord getIfInMemory(byte[] key) {
        ensureOpen();
        ByteKey lookup = ByteKey.wrap(key);
        VersionedRecord cached = cache.getIfPresent(lookup);
        if (cached != null) {
            return cached;
        }
        ReentrantLock stripe = stripe(lookup);
        if (!stripe.tryLock()) {
            return null;
        }
        try {
            return knownWithoutBlocking(lookup, key);
        } finally {
            stripe.unlock();
        }
    }

    /**
     * Under the key's stripe: the cached record, else the store's answer from memory
     * (put in the cache), else {@code null}. Filling under the stripe keeps the fill from
     * racing an update, as {@link #get} does.
     */
    private VersionedRecord knownWithoutBlocking(ByteKey lookup, byte[] key) {
        VersionedRecord known = cache.asMap().get(lookup);
        if (known == null) {
            known = delegate.getIfInMemory(key);
            if (known != null) {
                cache.put(ByteKey.copyOf(key), known);
            }
        }
        return known;
    }

    @Override
    public VersionedRecord update(byte[] key, UnaryOperator<VersionedRecord> change) {
        return update(key, change, false);
    }

    @Override
    public VersionedRecord updateDeferred(byte[] key, UnaryOperator<VersionedRecord> change) {
        return update(key, change, true);
    }

    /**
     * The deferred update of a key whose record is cached, or known to the store below
     * without blocking, when its stripe is free and the store takes the write without
     * waiting ({@link Storage#tryReplaceDeferred}); otherwise {@code null}, with the store
     * as it was (and the cache holding at most what the store holds).
     */
    @Override
    public VersionedRecord tryUpdateDeferred(byte[] key, UnaryOperator<VersionedRecord> change) {
        Objects.requireNonNull(change, "change");
        ensureOpen();
        ByteKey lookup = ByteKey.wrap(key);
        ReentrantLock stripe = stripe(lookup);
        if (!stripe.tryLock()) {
            return null;
        }
        try {
            VersionedRecord known = knownWithoutBlocking(lookup, key);
            if (known == null) {
                return null;
            }
            VersionedRecord stored = Objects.requireNonNull(change.apply(known), "change returned null");
            if (stored == known) {
                return known;
            }
            try {
                if (!delegate.tryReplaceDeferred(key, stored)) {
                    return null;
                }
            } catch (RuntimeException | Error e) {
                cache.invalidate(lookup);
                throw e;
            }
            cache.put(ByteKey.copyOf(key), stored);
            return stored;
        } finally {
            stripe.unlock();
        }
    }

    @Override
    public void sync() {
        ensureOpen();
        delegate.sync();
    }

    @Override
    public void syncThen(Consumer<StorageException> then) {
        ensureOpen();
        delegate.syncThen(then);
    }

    private VersionedRecord update(byte[] key, UnaryOperator<VersionedRecord> change, boolean deferred) {
        Objects.requireNonNull(change, "change");
        ensureOpen();
        ByteKey cacheKey = ByteKey.copyOf(key);
        ReentrantLock stripe = stripe(cacheKey);
        stripe.lock();
        try {
            VersionedRecord stored;
            try {
                VersionedRecord known = deferred ? cache.asMap().get(cacheKey) : null;
                if (known != null) {
                    // the cache holds what the store holds (every write passes here, under this
                    // stripe): change it here, and spare the store reading it again
                    stored = Objects.requireNonNull(change.apply(known), "change returned null");
                    if (stored == known) {
                        return known;
                    }
                    delegate.replaceDeferred(key, stored);
                } else {
                    stored = deferred ? delegate.updateDeferred(key, change) : delegate.update(key, change);
                }
            } catch (RuntimeException | Error e) {
                cache.invalidate(cacheKey);
                throw e;
            }
            cache.put(cacheKey, stored);
            return stored;
        } finally {
            stripe.unlock();
        }
    }

    /** Scans the store below: a scan reads many records once, which would only churn the cache. */
    @Override
    public void scan(long fromToken, long toToken, RecordVisitor visitor) {
        ensureOpen();
        delegate.scan(fromToken, toToken, visitor);
    }

    private ReentrantLock stripe(ByteKey key) {
        int h = key.hashCode();
        return stripes[(h ^ (h >>> 16)) & (LOCK_STRIPES - 1)];
    }

    /** Hits, misses and size of the cache so far. */
    public Stats stats() {
        CacheStats s = cache.stats();
        long weight = cache.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
        return new Stats(s.hitCount(), s.missCount(), s.evictionCount(), cache.estimatedSize(), weight);
    }

    /**
     * A snapshot of the cache's counters.
     *
     * @param hits reads answered from the cache
     * @param misses reads that went to the store
     * @param evictions entries dropped to stay within the bound
     * @param entries entries held now (an estimate)
     * @param weightBytes weighed bytes held now
     */
    public record Stats(long hits, long misses, long evictions, long entries, long weightBytes) {
        /** Hits over reads, or 1 before any read. */
        public double hitRate() {
            long reads = hits + misses;
            return reads == 0 ? 1.0 : (double) hits / reads;
        }
    }

    /** Runs pending cache maintenance now, so tests can observe eviction. */
    void cleanUp() {
        cache.cleanUp();
    }

    /** Empties the cache and closes the store below it. Idempotent. */
    @Override
    public void close() {
        closed.set(true);
        cache.invalidateAll();
        delegate.close();
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new StorageException("storage is closed");
        }
    }
}
