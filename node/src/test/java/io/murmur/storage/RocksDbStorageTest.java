package io.murmur.storage;

import io.murmur.ring.Token;
import io.murmur.runtime.Storage;
import io.murmur.runtime.StorageException;
import io.murmur.version.Generators;
import io.murmur.version.Version;
import io.murmur.version.VersionedRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksIterator;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static io.murmur.storage.TestRecords.bytes;
import static io.murmur.storage.TestRecords.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class RocksDbStorageTest extends StorageContractTest {

    /** Only a layer that knows the stored record (the cache) can skip the read that may block. */
    @Override
    boolean updatesReadKeysWithoutBlocking() {
        return false;
    }

    @Override
    Storage open(Path dir) {
        return RocksDbStorage.open(dir, StorageOptions.defaults());
    }

    private RocksDbStorage rocks() {
        return (RocksDbStorage) storage;
    }

    /** Random keys and records from random write histories. */
    private static Map<String, VersionedRecord> randomRecords(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, VersionedRecord> out = new HashMap<>();
        for (int i = 0; i < n; i++) {
            VersionedRecord rec = Generators.record(r);
            if (rec.isEmpty()) {
                rec = VersionedRecord.EMPTY.add(write("a", 1, "v" + i));
            }
            out.put("key-" + seed + "-" + i, rec);
        }
        return out;
    }

    private static void putAll(Storage s, Map<String, VersionedRecord> records) {
        for (Map.Entry<String, VersionedRecord> e : records.entrySet()) {
            VersionedRecord rec = e.getValue();
            s.update(bytes(e.getKey()), current -> current.merge(rec));
        }
    }

    @ParameterizedTest
    @EnumSource(SyncMode.class)
    void everyRecordSurvivesCloseAndReopen(SyncMode mode) {
        Path db = dir.resolve("reopen-" + mode);
        StorageOptions opts = StorageOptions.defaults().withSyncMode(mode);
        Map<String, VersionedRecord> records = randomRecords(mode.ordinal(), 300);
        try (RocksDbStorage s = RocksDbStorage.open(db, opts)) {
            putAll(s, records);
        }
        try (RocksDbStorage s = RocksDbStorage.open(db, opts)) {
            for (Map.Entry<String, VersionedRecord> e : records.entrySet()) {
                assertThat(s.get(bytes(e.getKey()))).as(e.getKey()).isEqualTo(e.getValue());
            }
        }
    }

    /**
     * {@code update} syncs each write itself; {@code deferred} writes, then waits for the
     * group fsync. In {@code always} mode the write-ahead log is flushed by hand, so this
     * also shows that the fsync writes out what the log buffer holds; in {@code periodic}
     * mode, that no write waits in the process for it.
     */
    @ParameterizedTest
    @CsvSource({"ALWAYS, update", "ALWAYS, deferred", "PERIODIC, update", "PERIODIC, deferred"})
    void acknowledgedWritesSurviveAKilledProcess(SyncMode mode, String how) throws Exception {
        Path db = dir.resolve("crash-" + mode + "-" + how);
        Path childErr = dir.resolve("crash-" + mode + "-" + how + ".err");
        // RocksDB unpacks its native library into the temp directory and deletes it at a
        // normal exit, which a killed process never reaches: keep it inside this test's.
        Path childTmp = Files.createDirectories(dir.resolve("crash-" + mode + "-" + how + ".tmp"));
        Process child = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Djava.io.tmpdir=" + childTmp,
                "-cp", System.getProperty("java.class.path"),
                CrashWriter.class.getName(), db.toString(), mode.name(), how)
                .redirectError(childErr.toFile())
                .start();
        Set<Integer> acked = new ConcurrentSkipListSet<>();
        CountDownLatch drained = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    if (line.startsWith("ack ")) {
                        acked.add(Integer.parseInt(line.substring(4)));
                    }
                }
            } catch (Exception e) {
                // The stream ends with the process; nothing else to read.
            } finally {
                drained.countDown();
            }
        }, "crash-writer-stdout");
        reader.setDaemon(true);
        reader.start();
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                    .failFast("child exited: " + readQuietly(childErr), () -> !child.isAlive())
                    .until(() -> acked.size() >= 300);
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(drained.await(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }

        // Acks come in order, so the acknowledged writes are exactly 0..max.
        int last = acked.stream().mapToInt(Integer::intValue).max().orElseThrow();
        assertThat(acked).hasSize(last + 1);
        try (RocksDbStorage s = RocksDbStorage.open(db, StorageOptions.defaults())) {
            for (int i = 0; i <= last; i++) {
                VersionedRecord r = s.get(CrashWriter.key(i));
                assertThat(r.siblings()).as("acknowledged key %d of %d", i, last).hasSize(1);
                assertThat(r.siblings().get(0).value()).isEqualTo(CrashWriter.value(i));
            }
        }
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return "(no stderr)";
        }
    }

    @Test
    void keysInTheMemtableAndKeysNeverWrittenAreKnownWithoutReadingTheDisk() {
        VersionedRecord stored = storage.update(bytes("k"), r -> r.add(write("a", 1, "v")));
        storage.update(bytes("gone"), r -> r.add(write("a", 2, "x")));
        storage.update(bytes("gone"), r -> VersionedRecord.EMPTY);

        assertThat(storage.getIfInMemory(bytes("k"))).isEqualTo(stored);
        assertThat(storage.getIfInMemory(bytes("gone"))).isSameAs(VersionedRecord.EMPTY);
        assertThat(storage.getIfInMemory(bytes("never written"))).isSameAs(VersionedRecord.EMPTY);
    }

    @Test
    void tryReplaceDeferredStoresWhileRocksDbTakesWritesAndFailsTypedOnceClosed() {
        VersionedRecord record = VersionedRecord.of(List.of(write("a", 1, "v")));
        assertThat(storage.tryReplaceDeferred(bytes("k"), record)).isTrue();
        storage.sync();
        assertThat(storage.get(bytes("k"))).isEqualTo(record);
        assertThat(storage.tryReplaceDeferred(bytes("k"), VersionedRecord.EMPTY)).isTrue();
        assertThat(storage.get(bytes("k"))).isSameAs(VersionedRecord.EMPTY);

        storage.close();
        assertThatThrownBy(() -> storage.tryReplaceDeferred(bytes("k"), record)).isInstanceOf(StorageException.class);
    }

    @Test
    void dataFamilyHoldsOrderedTokenThenKeyInTokenOrder() throws Exception {
        Map<String, VersionedRecord> records = randomRecords(42, 300);
        putAll(storage, records);
        storage.close();

        RocksDB.loadLibrary();
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        List<ColumnFamilyDescriptor> families = List.of(
                new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY),
                new ColumnFamilyDescriptor(bytes("data")),
                new ColumnFamilyDescriptor(bytes("hints")),
                new ColumnFamilyDescriptor(bytes("meta")));
        List<String> keysInOrder = new ArrayList<>();
        try (DBOptions o = new DBOptions();
             RocksDB db = RocksDB.openReadOnly(o, dir.toString(), families, handles)) {
            try (RocksIterator it = db.newIterator(handles.get(1))) {
                byte[] previous = null;
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    byte[] k = it.key();
                    byte[] key = Arrays.copyOfRange(k, 8, k.length);
                    assertThat(Token.readOrdered(k, 0)).isEqualTo(Token.of(key));
                    assertThat(it.value()[0]).isEqualTo(RecordCodec.RECORD_FORMAT);
                    assertThat(RecordCodec.decode(it.value())).isEqualTo(records.get(new String(key,
                            StandardCharsets.UTF_8)));
                    if (previous != null) {
                        assertThat(Token.readOrdered(previous, 0)).isLessThanOrEqualTo(Token.readOrdered(k, 0));
                    }
                    previous = k;
                    keysInOrder.add(new String(key, StandardCharsets.UTF_8));
                }
            } finally {
                for (ColumnFamilyHandle h : handles) {
                    h.close();
                }
            }
        }
        List<String> byToken = new ArrayList<>(records.keySet());
        byToken.sort((a, b) -> Long.compare(Token.of(bytes(a)), Token.of(bytes(b))));
        assertThat(keysInOrder).containsExactlyElementsOf(byToken);
    }

    @Test
    void scanVisitsExactlyTheKeysWhoseTokenIsInRangeInTokenOrder() {
        Map<String, VersionedRecord> records = randomRecords(7, 300);
        putAll(storage, records);
        TreeMap<Long, String> byToken = new TreeMap<>();
        for (String k : records.keySet()) {
            byToken.put(Token.of(bytes(k)), k);
        }
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 50; i++) {
            long a = r.nextLong();
            long b = r.nextLong();
            long from = Math.min(a, b);
            long to = Math.max(a, b);
            List<String> visited = new ArrayList<>();
            rocks().scan(from, to, (token, key, record) -> {
                String k = new String(key, StandardCharsets.UTF_8);
                assertThat(token).isEqualTo(Token.of(key));
                assertThat(record).isEqualTo(records.get(k));
                visited.add(k);
                return true;
            });
            assertThat(visited).as("%d..%d", from, to)
                    .containsExactlyElementsOf(byToken.subMap(from, true, to, true).values());
        }
        List<String> all = new ArrayList<>();
        rocks().scan(Long.MIN_VALUE, Long.MAX_VALUE, (token, key, record) -> all.add("x"));
        assertThat(all).hasSize(records.size());
    }

    @Test
    void scanStopsWhenTheVisitorSaysSoAndRejectsAnInvertedRange() {
        putAll(storage, randomRecords(8, 20));
        List<Long> seen = new ArrayList<>();
        rocks().scan(Long.MIN_VALUE, Long.MAX_VALUE, (token, key, record) -> seen.add(token) && seen.size() < 5);
        assertThat(seen).hasSize(5);
        assertThatThrownBy(() -> rocks().scan(1, 0, (t, k, r) -> true)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void updateThatChangesNothingWritesNothing() {
        Version v = write("a", 1, "x");
        storage.update(bytes("k"), r -> r.add(v));
        long before = rocks().latestSequenceNumber();
        storage.update(bytes("k"), r -> r.add(v));
        storage.update(bytes("absent"), r -> r);
        assertThat(rocks().latestSequenceNumber()).isEqualTo(before);
        storage.update(bytes("k"), r -> r.add(write("b", 1, "y")));
        assertThat(rocks().latestSequenceNumber()).isGreaterThan(before);
    }

    @Test
    void metaRoundTripsApartFromDataAndSurvivesReopen() {
        assertThat(rocks().getMeta("node-id")).isEmpty();
        rocks().putMeta("node-id", bytes("node-7"));
        rocks().putMeta("generation", new byte[] {0, 0, 0, 3});
        storage.update(bytes("node-id"), r -> r.add(write("a", 1, "data, not meta")));
        assertThat(rocks().getMeta("node-id")).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("node-7")));
        storage.close();

        storage = RocksDbStorage.open(dir, StorageOptions.defaults());
        assertThat(rocks().getMeta("node-id")).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("node-7")));
        assertThat(rocks().getMeta("generation")).hasValueSatisfying(v -> assertThat(v).containsExactly(0, 0, 0, 3));
        assertThat(storage.get(bytes("node-id")).siblings()).hasSize(1);
        assertThatThrownBy(() -> rocks().putMeta("", new byte[0])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void approximateKeyCountFollowsWrites() {
        putAll(storage, randomRecords(9, 200));
        assertThat(rocks().approximateKeyCount()).isBetween(100L, 400L);
        assertThat(rocks().approximateDataBytes()).isPositive();
    }

    @Test
    void closeWaitsForAnUpdateInFlight() throws Exception {
        CountDownLatch insideChange = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<VersionedRecord> update = pool.submit(() -> storage.update(bytes("k"), r -> {
                insideChange.countDown();
                awaitQuietly(release);
                return r.add(write("a", 1, "x"));
            }));
            assertThat(insideChange.await(10, TimeUnit.SECONDS)).isTrue();
            Future<?> close = pool.submit(() -> storage.close());
            assertThatThrownBy(() -> close.get(200, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
            release.countDown();
            assertThat(update.get(10, TimeUnit.SECONDS).siblings()).hasSize(1);
            close.get(10, TimeUnit.SECONDS);
        } finally {
            release.countDown();
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
        // The write made before close is durable.
        storage = RocksDbStorage.open(dir, StorageOptions.defaults());
        assertThat(storage.get(bytes("k")).siblings()).hasSize(1);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void periodicModeStopsItsSyncThreadOnClose() {
        assertThat(rocks().options().syncMode()).isEqualTo(SyncMode.PERIODIC);
        assertThat(syncThreads()).isNotEmpty().allMatch(Thread::isDaemon);
        storage.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> syncThreads().isEmpty());
    }

    private static List<Thread> syncThreads() {
        List<Thread> out = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("murmur-storage-wal-sync") && t.isAlive()) {
                out.add(t);
            }
        }
        return out;
    }

    @Test
    void everyCallAfterCloseFailsWithStorageException() {
        storage.close();
        RocksDbStorage s = rocks();
        assertThatThrownBy(() -> s.getMeta("x")).isInstanceOf(StorageException.class).hasMessage("storage is closed");
        assertThatThrownBy(() -> s.putMeta("x", new byte[0])).isInstanceOf(StorageException.class);
        assertThatThrownBy(() -> s.scan(0, 1, (t, k, r) -> true)).isInstanceOf(StorageException.class);
        assertThatThrownBy(s::approximateKeyCount).isInstanceOf(StorageException.class);
    }

    @Test
    void openingADatabaseAlreadyOpenFailsWithStorageException() {
        assertThatThrownBy(() -> RocksDbStorage.open(dir, StorageOptions.defaults()))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("cannot open storage in " + dir)
                .hasCauseInstanceOf(org.rocksdb.RocksDBException.class);
    }

    @Test
    void openingAFileAsTheDirectoryFailsWithStorageException() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
        assertThatThrownBy(() -> RocksDbStorage.open(file, StorageOptions.defaults()))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("not-a-dir");
    }

    @Test
    void aDamagedRecordOnDiskFailsTheReadWithStorageException() throws Exception {
        storage.close();
        RocksDB.loadLibrary();
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        List<ColumnFamilyDescriptor> families = List.of(
                new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY),
                new ColumnFamilyDescriptor(bytes("data")),
                new ColumnFamilyDescriptor(bytes("hints")),
                new ColumnFamilyDescriptor(bytes("meta")));
        byte[] key = bytes("damaged");
        try (DBOptions o = new DBOptions(); RocksDB db = RocksDB.open(o, dir.toString(), families, handles)) {
            try {
                db.put(handles.get(1), RocksDbStorage.dataKey(Token.of(key), key), new byte[] {1, (byte) 0xff, 7});
            } finally {
                for (ColumnFamilyHandle h : handles) {
                    h.close();
                }
            }
        }
        storage = RocksDbStorage.open(dir, StorageOptions.defaults());
        assertThatThrownBy(() -> storage.get(key))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("corrupt record for key " + ByteKey.describe(key))
                .hasCauseInstanceOf(CorruptRecordException.class);
        assertThatThrownBy(() -> storage.update(key, r -> r)).isInstanceOf(StorageException.class);
    }

    @Test
    void syncCallsThatArriveDuringAnFsyncShareTheNextOne(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        try (RocksDbStorage rocks = RocksDbStorage.open(dir, StorageOptions.defaults().withSyncMode(SyncMode.ALWAYS))) {
            groupCommit(rocks);
        }
    }

    /**
     * A durable update, a hint and its removal wait for the group fsync like everyone else
     * rather than ask RocksDB to sync them, so a write that must not block (a network
     * thread's) is never queued behind their fsync inside RocksDB.
     */
    @Test
    void durableWritesWaitForTheGroupFsyncAndLeaveNonBlockingWritesFree(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        try (RocksDbStorage rocks = RocksDbStorage.open(dir, StorageOptions.defaults().withSyncMode(SyncMode.ALWAYS))) {
            CountDownLatch fsyncHeld = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            rocks.beforeGroupFsync = () -> {
                fsyncHeld.countDown();
                hold(release);
            };
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                Future<VersionedRecord> update = pool.submit(() -> rocks.update(bytes("k1"), r -> r.add(write("a", 1, "v1"))));
                assertThat(fsyncHeld.await(10, TimeUnit.SECONDS)).isTrue();
                // the update is in the held fsync; the hint queues for the next one
                Future<?> hint = pool.submit(() -> rocks.putHint(bytes("h1"), bytes("hint")));
                await().atMost(Duration.ofSeconds(10)).until(() -> rocks.syncWaiters() == 1);
                assertThat(update.isDone()).as("an update returns only once durable").isFalse();
                assertThat(hint.isDone()).as("a hint is kept only once durable").isFalse();

                VersionedRecord other = VersionedRecord.of(List.of(write("b", 1, "v2")));
                Future<Boolean> free = pool.submit(() -> rocks.tryReplaceDeferred(bytes("k2"), other));
                assertThat(free.get(10, TimeUnit.SECONDS)).isTrue();
                assertThat(rocks.get(bytes("k2"))).isEqualTo(other);

                release.countDown();
                assertThat(update.get(10, TimeUnit.SECONDS).siblings()).hasSize(1);
                hint.get(10, TimeUnit.SECONDS);
                assertThat(rocks.getHint(bytes("h1"))).isEqualTo(bytes("hint"));
            } finally {
                release.countDown();
                pool.shutdownNow();
                assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    private static void groupCommit(RocksDbStorage rocks) throws Exception {
        CountDownLatch firstFsyncHeld = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        rocks.beforeGroupFsync = () -> {
            if (firstFsyncHeld.getCount() > 0) {
                firstFsyncHeld.countDown();
                hold(release);
            }
        };
        ExecutorService pool = Executors.newFixedThreadPool(5);
        try {
            rocks.updateDeferred(bytes("k0"), r -> r.add(write("a", 1, "v0")));
            Future<?> leader = pool.submit(rocks::sync);
            assertThat(firstFsyncHeld.await(10, TimeUnit.SECONDS)).isTrue();
            // four writers arrive while the first fsync is in progress: all wait for the next one
            List<Future<?>> followers = new ArrayList<>();
            for (int i = 1; i <= 4; i++) {
                int n = i;
                followers.add(pool.submit(() -> {
                    rocks.updateDeferred(bytes("k" + n), r -> r.add(write("a", 1, "v" + n)));
                    rocks.sync();
                }));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> rocks.syncWaiters() == 4);
            assertThat(rocks.groupSyncs()).isZero();
            release.countDown();
            leader.get(10, TimeUnit.SECONDS);
            for (Future<?> f : followers) {
                f.get(10, TimeUnit.SECONDS);
            }
            assertThat(rocks.groupSyncs()).isEqualTo(2);
            rocks.sync(); // alone: an fsync of its own
            assertThat(rocks.groupSyncs()).isEqualTo(3);
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void syncInPeriodicModeLeavesTheFsyncToTheSchedule() {
        RocksDbStorage periodic = rocks();
        assertThat(periodic.options().syncMode()).isEqualTo(SyncMode.PERIODIC);
        periodic.updateDeferred(bytes("k"), r -> r.add(write("a", 1, "v")));
        periodic.sync();
        assertThat(periodic.groupSyncs()).isZero();
    }

    private static void hold(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
