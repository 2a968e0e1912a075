package io.murmur.storage;

import io.murmur.runtime.Storage;
import io.murmur.runtime.StorageException;
import io.murmur.version.Dot;
import io.murmur.version.VectorClock;
import io.murmur.version.Version;
import io.murmur.version.VersionedRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;

import static io.murmur.storage.TestRecords.bytes;
import static io.murmur.storage.TestRecords.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class CachingStorageTest {

    /** An in-memory store that tests override a call or two of. */
    private static class ForwardingStorage implements Storage {
        final InMemoryStorage inner = new InMemoryStorage();

        @Override
        public VersionedRecord get(byte[] key) {
            return inner.get(key);
        }

        @Override
        public VersionedRecord update(byte[] key, UnaryOperator<VersionedRecord> change) {
            return inner.update(key, change);
        }

        @Override
        public void scan(long fromToken, long toToken, RecordVisitor visitor) {
            inner.scan(fromToken, toToken, visitor);
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    /** A store whose reads can be held between reading and returning, to stage races. */
    private static final class PausingStorage extends ForwardingStorage {
        volatile CountDownLatch readDone;
        volatile CountDownLatch resumeRead;

        @Override
        public VersionedRecord get(byte[] key) {
            VersionedRecord r = inner.get(key);
            CountDownLatch done = readDone;
            if (done != null) {
                done.countDown();
                try {
                    resumeRead.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return r;
        }
    }

    /** Records the calls reaching the store below; takes non-blocking replaces while {@code acceptTries}. */
    private static class RecordingStorage extends ForwardingStorage {
        final List<String> calls = new ArrayList<>();
        volatile boolean acceptTries = true;

        @Override
        public VersionedRecord get(byte[] key) {
            calls.add("get");
            return inner.get(key);
        }

        @Override
        public VersionedRecord update(byte[] key, UnaryOperator<VersionedRecord> change) {
            calls.add("update");
            return inner.update(key, change);
        }

        @Override
        public void replaceDeferred(byte[] key, VersionedRecord next) {
            calls.add("replace");
            inner.replaceDeferred(key, next);
        }

        @Override
        public boolean tryReplaceDeferred(byte[] key, VersionedRecord next) {
            calls.add("tryReplace");
            return acceptTries && inner.tryReplaceDeferred(key, next);
        }
    }

    @Test
    void aDeferredUpdateOfACachedKeyHandsTheStoreTheResultWithoutItReadingTheKeyAgain() {
        RecordingStorage counting = new RecordingStorage();
        List<String> calls = counting.calls;
        InMemoryStorage inner = counting.inner;
        try (CachingStorage s = new CachingStorage(counting, 1 << 20, Runnable::run)) {
            Version first = write("a", 1, "first");
            Version second = write("a", 2, "second");
            s.updateDeferred(bytes("k"), r -> r.add(first)); // not cached yet: the store reads it
            assertThat(calls).containsExactly("update");

            VersionedRecord stored = s.updateDeferred(bytes("k"), r -> r.add(second));

            assertThat(calls).containsExactly("update", "replace");
            assertThat(stored.siblings()).containsExactlyInAnyOrder(first, second); // concurrent: both kept
            assertThat(inner.get(bytes("k"))).isEqualTo(stored);
            assertThat(s.updateDeferred(bytes("k"), r -> r)).isSameAs(stored); // no change: nothing written
            assertThat(calls).containsExactly("update", "replace");
        }
    }

    @Test
    void anUncachedKeyTheStoreKnowsFromMemoryIsWrittenWithoutBlockingAndCached() {
        RecordingStorage below = new RecordingStorage() {
            @Override
            public VersionedRecord getIfInMemory(byte[] key) {
                calls.add("fromMemory");
                return inner.get(key);
            }
        };
        Version first = write("a", 1, "first");
        Version second = write("b", 1, "second");
        below.inner.update(bytes("k"), r -> r.add(first));
        try (CachingStorage s = new CachingStorage(below, 1 << 20, Runnable::run)) {
            VersionedRecord stored = s.tryUpdateDeferred(bytes("k"), r -> r.add(second));
            VersionedRecord fresh = s.tryUpdateDeferred(bytes("new"), r -> r.add(first));

            assertThat(stored.siblings()).containsExactlyInAnyOrder(first, second);
            assertThat(fresh.siblings()).containsExactly(first);
            assertThat(below.calls).containsExactly("fromMemory", "tryReplace", "fromMemory", "tryReplace");
            assertThat(below.inner.get(bytes("k"))).isEqualTo(stored);
            assertThat(s.getIfInMemory(bytes("k"))).isEqualTo(stored);
            assertThat(s.getIfInMemory(bytes("other"))).as("filled from the store's memory").isSameAs(VersionedRecord.EMPTY);
            assertThat(below.calls).containsExactly("fromMemory", "tryReplace", "fromMemory", "tryReplace",
                    "fromMemory");
            s.getIfInMemory(bytes("other"));
            assertThat(below.calls).as("then a cache hit").hasSize(5);
        }
    }

    @Test
    void aTryUpdateOfAKeyNeitherCachedNorKnownFromMemoryDeclinesWithoutChangingTheStore() {
        RecordingStorage below = new RecordingStorage();
        below.inner.update(bytes("k"), r -> r.add(write("a", 1, "first")));
        try (CachingStorage s = new CachingStorage(below, 1 << 20, Runnable::run)) {
            assertThat(s.tryUpdateDeferred(bytes("k"), r -> r.add(write("b", 1, "second")))).isNull();
            assertThat(below.calls).isEmpty();
            assertThat(s.get(bytes("k")).siblings()).extracting(Version::dot).containsExactly(new Dot("a", 1));
        }
    }

    @Test
    void aTryUpdateOfACachedKeyHandsTheStoreTheResultAndUpdatesTheCache() {
        RecordingStorage below = new RecordingStorage();
        Version first = write("a", 1, "first");
        Version second = write("b", 1, "second");
        try (CachingStorage s = new CachingStorage(below, 1 << 20, Runnable::run)) {
            s.update(bytes("k"), r -> r.add(first));
            below.calls.clear();

            VersionedRecord stored = s.tryUpdateDeferred(bytes("k"), r -> r.add(second));

            assertThat(stored.siblings()).containsExactlyInAnyOrder(first, second);
            assertThat(below.calls).containsExactly("tryReplace");
            assertThat(below.inner.get(bytes("k"))).isEqualTo(stored);
            assertThat(s.getIfInMemory(bytes("k"))).isEqualTo(stored);
            assertThat(s.tryUpdateDeferred(bytes("k"), r -> r)).as("no change: nothing written").isSameAs(stored);
            assertThat(below.calls).containsExactly("tryReplace");
        }
    }

    @Test
    void aTryUpdateTheStoreBelowDeclinesLeavesTheCacheAndTheStoreAsTheyWere() {
        RecordingStorage below = new RecordingStorage();
        Version first = write("a", 1, "first");
        try (CachingStorage s = new CachingStorage(below, 1 << 20, Runnable::run)) {
            VersionedRecord before = s.update(bytes("k"), r -> r.add(first));
            below.acceptTries = false;

            assertThat(s.tryUpdateDeferred(bytes("k"), r -> r.add(write("b", 1, "second")))).isNull();

            assertThat(s.getIfInMemory(bytes("k"))).isEqualTo(before);
            assertThat(below.inner.get(bytes("k"))).isEqualTo(before);
        }
    }

    @Test
    void aTryUpdateDeclinesWhileAnotherUpdateHoldsTheKey() throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        RecordingStorage below = new RecordingStorage() {
            @Override
            public VersionedRecord update(byte[] key, UnaryOperator<VersionedRecord> change) {
                inside.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return inner.update(key, change);
            }
        };
        Version first = write("a", 1, "first");
        below.inner.update(bytes("k"), r -> r.add(first));
        ExecutorService other = Executors.newSingleThreadExecutor();
        try (CachingStorage s = new CachingStorage(below, 1 << 20, Runnable::run)) {
            s.get(bytes("k"));
            Future<VersionedRecord> slow = other.submit(() -> s.update(bytes("k"), r -> r.add(write("c", 1, "third"))));
            assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();

            assertThat(s.tryUpdateDeferred(bytes("k"), r -> r.add(write("b", 1, "second")))).isNull();

            release.countDown();
            assertThat(slow.get(10, TimeUnit.SECONDS).siblings()).hasSize(2);
            assertThat(below.calls).doesNotContain("tryReplace");
        } finally {
            release.countDown();
            other.shutdownNow();
            assertThat(other.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void readsAreCountedAsHitsAndMissesAndUpdatesFillTheCache() {
        try (CachingStorage s = new CachingStorage(new InMemoryStorage(), 1 << 20, Runnable::run)) {
            s.get(bytes("a"));
            s.get(bytes("a"));
            s.update(bytes("b"), r -> r.add(write("n", 1, "x")));
            assertThat(s.get(bytes("b")).siblings()).hasSize(1);
            CachingStorage.Stats stats = s.stats();
            assertThat(stats.misses()).isEqualTo(1);
            assertThat(stats.hits()).isEqualTo(2);
            assertThat(stats.hitRate()).isCloseTo(2.0 / 3, org.assertj.core.data.Offset.offset(1e-9));
            assertThat(stats.entries()).isEqualTo(2);
            assertThat(stats.weightBytes()).isPositive();
        }
    }

    @Test
    void cacheStaysWithinItsBoundInBytesAndStillAnswersCorrectly() {
        long bound = 64 * 1024;
        InMemoryStorage inner = new InMemoryStorage();
        try (CachingStorage s = new CachingStorage(inner, bound, Runnable::run)) {
            for (int i = 0; i < 300; i++) {
                Version v = Version.value(new Dot("n", 1), VectorClock.EMPTY, new byte[1024], i);
                s.update(bytes("k" + i), r -> r.add(v));
            }
            for (int i = 0; i < 300; i++) {
                assertThat(s.get(bytes("k" + i)).siblings().get(0).writtenAtMillis()).isEqualTo(i);
            }
            s.cleanUp();
            CachingStorage.Stats stats = s.stats();
            assertThat(stats.weightBytes()).isLessThanOrEqualTo(bound);
            assertThat(stats.evictions()).isPositive();
            assertThat(stats.entries()).isLessThan(300);
        }
    }

    @Test
    void aMissLoadingTheOldRecordNeverOverwritesAConcurrentUpdateInTheCache() throws Exception {
        PausingStorage inner = new PausingStorage();
        byte[] key = bytes("k");
        Version old = write("a", 1, "old");
        Version fresh = write("b", 1, "fresh");
        inner.update(key, r -> r.add(old));

        ExecutorService pool = Executors.newFixedThreadPool(1);
        try (CachingStorage s = new CachingStorage(inner, 1 << 20, Runnable::run)) {
            inner.readDone = new CountDownLatch(1);
            inner.resumeRead = new CountDownLatch(1);
            // A reader misses and has read the old record from the store, not yet cached it.
            Future<VersionedRecord> read = pool.submit(() -> s.get(key));
            assertThat(inner.readDone.await(10, TimeUnit.SECONDS)).isTrue();
            inner.readDone = null;

            // Meanwhile an update of the same key. It must wait for the fill, or the fill
            // would cache the old record over the new one.
            AtomicBoolean updated = new AtomicBoolean();
            Thread writer = new Thread(() -> {
                s.update(key, r -> r.add(fresh));
                updated.set(true);
            }, "cache-race-writer");
            writer.start();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> writer.getState() == Thread.State.WAITING || !writer.isAlive());
            inner.resumeRead.countDown();
            assertThat(read.get(10, TimeUnit.SECONDS).siblings()).containsExactly(old);
            writer.join(10_000);
            assertThat(updated).isTrue();

            assertThat(s.get(key)).isEqualTo(inner.get(key));
            assertThat(s.get(key).siblings()).containsExactly(old, fresh);
        } finally {
            inner.resumeRead.countDown();
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void concurrentReadersNeverSeeAKeyGoBackAndEndInStepWithTheStore() throws Exception {
        InMemoryStorage inner = new InMemoryStorage();
        int keys = 8;
        int writers = 4;
        int writesPerWriter = 200;
        int readers = 4;
        ExecutorService pool = Executors.newFixedThreadPool(writers + readers);
        // Small bound, so that eviction and reloading happen during the run as well.
        try (CachingStorage s = new CachingStorage(inner, 4 * 1024)) {
            CountDownLatch start = new CountDownLatch(1);
            AtomicBoolean writing = new AtomicBoolean(true);
            List<Future<?>> writerDone = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                String node = "w" + w;
                writerDone.add(pool.submit(() -> {
                    start.await();
                    for (int i = 1; i <= writesPerWriter; i++) {
                        Version v = write(node, i, "x");
                        s.update(bytes("key" + (i % keys)), r -> r.add(v));
                    }
                    return null;
                }));
            }
            List<Future<?>> readerDone = new ArrayList<>();
            for (int rd = 0; rd < readers; rd++) {
                readerDone.add(pool.submit(() -> {
                    int[] lastSeen = new int[keys];
                    start.await();
                    int k = 0;
                    while (writing.get()) {
                        int size = s.get(bytes("key" + k)).siblings().size();
                        // Versions are only ever added (all concurrent), so a key's sibling
                        // count can only grow; a smaller one is a stale read.
                        assertThat(size).as("key%d", k).isGreaterThanOrEqualTo(lastSeen[k]);
                        lastSeen[k] = size;
                        k = (k + 1) % keys;
                    }
                    return null;
                }));
            }
            start.countDown();
            try {
                for (Future<?> f : writerDone) {
                    f.get(30, TimeUnit.SECONDS);
                }
            } finally {
                writing.set(false);
            }
            for (Future<?> f : readerDone) {
                f.get(30, TimeUnit.SECONDS);
            }
            for (int k = 0; k < keys; k++) {
                assertThat(s.get(bytes("key" + k))).isEqualTo(inner.get(bytes("key" + k)));
            }
            assertThat(inner.size()).isEqualTo(keys);
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aFailedUpdateDropsTheCachedEntry() {
        InMemoryStorage inner = new InMemoryStorage();
        try (CachingStorage s = new CachingStorage(inner, 1 << 20, Runnable::run)) {
            s.update(bytes("k"), r -> r.add(write("a", 1, "x")));
            assertThatThrownBy(() -> s.update(bytes("k"), r -> {
                throw new StorageException("disk on fire");
            })).isInstanceOf(StorageException.class);
            long missesBefore = s.stats().misses();
            assertThat(s.get(bytes("k")).siblings()).hasSize(1);
            assertThat(s.stats().misses()).isEqualTo(missesBefore + 1);
        }
    }

    @Test
    void closeClosesTheStoreBelow() {
        InMemoryStorage inner = new InMemoryStorage();
        CachingStorage s = new CachingStorage(inner, 1 << 20);
        s.update(bytes("k"), r -> r.add(write("a", 1, "x")));
        s.close();
        assertThatThrownBy(() -> inner.get(bytes("k"))).isInstanceOf(StorageException.class);
        assertThatThrownBy(() -> s.get(bytes("k"))).isInstanceOf(StorageException.class)
                .hasMessage("storage is closed");
    }

    @Test
    void aNegativeBoundIsRejected() {
        assertThatThrownBy(() -> new CachingStorage(new InMemoryStorage(), -1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
