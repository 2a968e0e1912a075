package io.murmur.sim.report;

import io.murmur.server.NodeConfig;
import io.murmur.storage.RocksDbStorage;
import io.murmur.storage.StorageOptions;
import io.murmur.version.Dot;
import io.murmur.version.VectorClock;
import io.murmur.version.Version;
import io.murmur.version.VersionedRecord;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * The raw rate of the storage a node writes to: {@link RocksDbStorage} opened with the
 * storage options of a node's default configuration ({@code conf/node.yaml}'s defaults,
 * {@code sync: always} included), driven in this JVM by {@code threads} threads with no
 * network and no replication. Puts write {@code records} new records of one version of
 * {@code valueBytes} bytes; gets read {@code gets} keys chosen uniformly among them.
 */
final class RawRocksDb {
    record Rates(double putsPerSecond, double getsPerSecond) {
    }

    private RawRocksDb() {
    }

    static Rates measure(Path dir, int records, long gets, int threads, int valueBytes, long seed) throws Exception {
        NodeConfig config = NodeConfig.load(null, List.of());
        StorageOptions options = new StorageOptions(config.syncMode, config.syncIntervalMillis,
                config.blockCacheBytes, config.writeBufferBytes, config.storageBackgroundJobs);
        byte[] value = new byte[valueBytes];
        new SplittableRandom(seed).nextBytes(value);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (RocksDbStorage storage = RocksDbStorage.open(dir, options)) {
            double puts = parallel(pool, threads, records, i -> {
                Version v = Version.value(new Dot("raw", i + 1L), VectorClock.EMPTY, value, System.currentTimeMillis());
                storage.update(key(i), r -> VersionedRecord.of(List.of(v)));
            });
            SplittableRandom random = new SplittableRandom(seed + 1);
            int[] keys = new int[(int) Math.min(gets, Integer.MAX_VALUE)];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = random.nextInt(records);
            }
            double read = parallel(pool, threads, keys.length, i -> {
                if (storage.get(key(keys[i])).siblings().isEmpty()) {
                    throw new IllegalStateException("raw RocksDB lost key " + keys[i]);
                }
            });
            return new Rates(puts, read);
        } finally {
            pool.shutdownNow();
        }
    }

    private static byte[] key(int i) {
        return ("user" + i).getBytes(StandardCharsets.UTF_8);
    }

    /** Runs op(0..n-1) split over the threads (i modulo threads); returns operations per second. */
    private static double parallel(ExecutorService pool, int threads, int n, IntConsumer op) throws Exception {
        long began = System.nanoTime();
        Future<?>[] parts = new Future<?>[threads];
        for (int t = 0; t < threads; t++) {
            int first = t;
            parts[t] = pool.submit(() -> {
                for (int i = first; i < n; i += threads) {
                    op.accept(i);
                }
            });
        }
        for (Future<?> f : parts) {
            f.get();
        }
        return n / ((System.nanoTime() - began) / 1e9);
    }
}
