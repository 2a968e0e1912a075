package io.murmur.storage;

import io.murmur.runtime.Storage;
import io.murmur.runtime.StorageException;
import io.murmur.version.Version;
import io.murmur.version.VersionedRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.murmur.storage.TestRecords.bytes;
import static io.murmur.storage.TestRecords.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@link Storage} contract, run against every implementation by a subclass that says
 * how to open one.
 */
abstract class StorageContractTest {
    @TempDir
    Path dir;

    Storage storage;

    /** Opens a fresh store; {@code dir} is an empty directory it may use. */
    abstract Storage open(Path dir);

    /** Whether the store takes a deferred update of a key just read without blocking. */
    abstract boolean updatesReadKeysWithoutBlocking();

    @BeforeEach
    void openStorage() {
        storage = open(dir);
    }

    @AfterEach
    void closeStorage() {
        storage.close();
    }

    @Test
    void absentKeyReadsAsTheEmptyRecord() {
        assertThat(storage.get(bytes("nothing here"))).isSameAs(VersionedRecord.EMPTY);
    }

    @Test
    void updatedRecordIsReadBack() {
        Version v = write("a", 1, "hello");
        VersionedRecord stored = storage.update(bytes("k"), r -> r.add(v));
        assertThat(stored.siblings()).containsExactly(v);
        assertThat(storage.get(bytes("k"))).isEqualTo(stored);
        assertThat(storage.get(bytes("other"))).isEqualTo(VersionedRecord.EMPTY);
    }

    @Test
    void updateAppliesTheChangeToTheStoredRecord() {
        Version first = write("a", 1, "one");
        Version second = write("b", 1, "two");
        storage.update(bytes("k"), r -> r.add(first));
        List<VersionedRecord> seen = new ArrayList<>();
        VersionedRecord stored = storage.update(bytes("k"), r -> {
            seen.add(r);
            return r.add(second);
        });
        assertThat(seen).hasSize(1);
        assertThat(seen.get(0).siblings()).containsExactly(first);
        assertThat(stored.siblings()).containsExactly(first, second);
        assertThat(storage.get(bytes("k"))).isEqualTo(stored);
    }

    @Test
    void updateReturningTheGivenRecordLeavesItAsItWas() {
        Version v = write("a", 1, "x");
        VersionedRecord stored = storage.update(bytes("k"), r -> r.add(v));
        VersionedRecord again = storage.update(bytes("k"), r -> r.add(v));
        assertThat(again).isEqualTo(stored);
        assertThat(storage.update(bytes("absent"), r -> r)).isSameAs(VersionedRecord.EMPTY);
        assertThat(storage.get(bytes("k"))).isEqualTo(stored);
    }

    @Test
    void updateToTheEmptyRecordRemovesTheKey() {
        storage.update(bytes("k"), r -> r.add(write("a", 1, "x")));
        assertThat(storage.update(bytes("k"), r -> VersionedRecord.EMPTY)).isEqualTo(VersionedRecord.EMPTY);
        assertThat(storage.get(bytes("k"))).isEqualTo(VersionedRecord.EMPTY);
    }

    @Test
    void aChangeThatThrowsLeavesTheRecordUnchanged() {
        VersionedRecord stored = storage.update(bytes("k"), r -> r.add(write("a", 1, "x")));
        assertThatThrownBy(() -> storage.update(bytes("k"), r -> {
            throw new IllegalStateException("boom");
        })).isInstanceOf(IllegalStateException.class).hasMessage("boom");
        assertThat(storage.get(bytes("k"))).isEqualTo(stored);
        // The key's lock was released: the next update goes through.
        assertThat(storage.update(bytes("k"), r -> r.add(write("b", 1, "y"))).siblings()).hasSize(2);
    }

    @Test
    void keysAreComparedByContentNotByArray() {
        byte[] key = bytes("key");
        storage.update(key, r -> r.add(write("a", 1, "x")));
        key[0] = 'X';
        assertThat(storage.get(bytes("key")).siblings()).hasSize(1);
        assertThat(storage.get(key)).isEqualTo(VersionedRecord.EMPTY);
    }

    @Test
    void emptyKeyIsAKeyLikeAnyOther() {
        storage.update(new byte[0], r -> r.add(write("a", 1, "x")));
        assertThat(storage.get(new byte[0]).siblings()).hasSize(1);
    }

    @Test
    void concurrentUpdatesOfOneKeyLoseNothing() throws Exception {
        int threads = 8;
        int perThread = 25;
        byte[] key = bytes("contended");
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String node = "writer-" + t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 1; i <= perThread; i++) {
                        Version v = write(node, i, node + "/" + i);
                        storage.update(key, r -> r.add(v));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
        // No context: every write is concurrent with every other, so all stay siblings.
        VersionedRecord r = storage.get(key);
        assertThat(r.siblings()).hasSize(threads * perThread);
    }

    @Test
    void callsAfterCloseFailWithStorageException() {
        storage.update(bytes("k"), r -> r.add(write("a", 1, "x")));
        storage.close();
        storage.close();
        assertThatThrownBy(() -> storage.get(bytes("k")))
                .isInstanceOf(StorageException.class).hasMessage("storage is closed");
        assertThatThrownBy(() -> storage.update(bytes("k"), r -> r))
                .isInstanceOf(StorageException.class).hasMessage("storage is closed");
    }

    @Test
    void scanVisitsExactlyTheKeysInTheTokenRangeInTokenOrder() {
        java.util.TreeMap<Long, String> byToken = new java.util.TreeMap<>();
        for (int i = 0; i < 200; i++) {
            String key = "key-" + i;
            storage.update(bytes(key), r -> r.add(write("a", 1, key)));
            byToken.put(io.murmur.ring.Token.of(bytes(key)), key);
        }
        storage.update(bytes("key-7"), r -> VersionedRecord.EMPTY); // deleted keys are not visited
        byToken.values().remove("key-7");
        long from = byToken.keySet().stream().skip(20).findFirst().orElseThrow();
        long to = byToken.keySet().stream().skip(150).findFirst().orElseThrow();
        List<Long> tokens = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        storage.scan(from, to, (token, key, record) -> {
            tokens.add(token);
            keys.add(new String(key, java.nio.charset.StandardCharsets.UTF_8));
            assertThat(record.siblings()).hasSize(1);
            return true;
        });
        assertThat(tokens).isSorted().containsExactlyElementsOf(byToken.subMap(from, true, to, true).keySet());
        assertThat(keys).containsExactlyElementsOf(byToken.subMap(from, true, to, true).values());

        List<Long> all = new ArrayList<>();
        storage.scan(Long.MIN_VALUE, Long.MAX_VALUE, (token, key, record) -> all.add(token));
        assertThat(all).containsExactlyElementsOf(byToken.keySet());

        List<Long> firstFive = new ArrayList<>();
        storage.scan(Long.MIN_VALUE, Long.MAX_VALUE, (token, key, record) -> firstFive.add(token) && firstFive.size() < 5);
        assertThat(firstFive).hasSize(5);

        assertThatThrownBy(() -> storage.scan(1, 0, (t, k, r) -> true)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aDeferredUpdateIsReadBackAtOnceAndSyncMakesItDurable() {
        Version v = write("a", 1, "deferred");
        VersionedRecord stored = storage.updateDeferred(bytes("k"), r -> r.add(v));
        assertThat(stored.siblings()).containsExactly(v);
        assertThat(storage.get(bytes("k"))).isEqualTo(stored);
        storage.sync();
        assertThat(storage.get(bytes("k"))).isEqualTo(stored);
    }

    @Test
    void aTryUpdateOfAKeyJustReadStoresLikeADeferredUpdateWhereTheStoreCanAndElseChangesNothing() {
        Version first = write("a", 1, "first");
        Version second = write("b", 1, "second");
        VersionedRecord before = storage.update(bytes("k"), r -> r.add(first));
        assertThat(storage.get(bytes("k"))).isEqualTo(before);

        VersionedRecord stored = storage.tryUpdateDeferred(bytes("k"), r -> r.add(second));

        if (updatesReadKeysWithoutBlocking()) {
            assertThat(stored.siblings()).containsExactlyInAnyOrder(first, second);
            storage.sync();
            assertThat(storage.get(bytes("k"))).isEqualTo(stored);
            assertThat(storage.tryUpdateDeferred(bytes("k"), r -> r)).as("no change").isEqualTo(stored);
        } else {
            assertThat(stored).isNull();
            assertThat(storage.get(bytes("k"))).isEqualTo(before);
        }
    }

    @Test
    void whatIsKnownFromMemoryIsNothingOrTheTruth() {
        Version v = write("a", 1, "v");
        VersionedRecord stored = storage.update(bytes("k"), r -> r.add(v));
        storage.update(bytes("gone"), r -> r.add(write("a", 2, "x")));
        storage.update(bytes("gone"), r -> VersionedRecord.EMPTY);

        assertThat(storage.getIfInMemory(bytes("k"))).isIn(null, stored);
        assertThat(storage.getIfInMemory(bytes("gone"))).isIn(null, VersionedRecord.EMPTY);
        assertThat(storage.getIfInMemory(bytes("never"))).isIn(null, VersionedRecord.EMPTY);
    }

    @Test
    void replaceDeferredStoresTheRecordGivenAndAnEmptyOneDeletes() {
        Version first = write("a", 1, "first");
        Version second = write("b", 1, "second");
        storage.update(bytes("k"), r -> r.add(first));

        VersionedRecord replacement = VersionedRecord.of(List.of(second));
        storage.replaceDeferred(bytes("k"), replacement);
        storage.sync();
        assertThat(storage.get(bytes("k"))).isEqualTo(replacement);

        storage.replaceDeferred(bytes("k"), VersionedRecord.EMPTY);
        storage.sync();
        assertThat(storage.get(bytes("k"))).isSameAs(VersionedRecord.EMPTY);
        List<byte[]> left = new ArrayList<>();
        storage.scan(Long.MIN_VALUE, Long.MAX_VALUE, (token, key, record) -> left.add(key));
        assertThat(left).isEmpty();
    }
}
