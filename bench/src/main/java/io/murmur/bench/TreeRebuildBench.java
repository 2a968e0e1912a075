package io.murmur.bench;

import io.murmur.antientropy.TreeIndex;
import io.murmur.ring.RingMember;
import io.murmur.ring.RingSnapshot;
import io.murmur.ring.TokenRange;
import io.murmur.runtime.Storage;
import io.murmur.storage.RocksDbStorage;
import io.murmur.storage.StorageOptions;
import io.murmur.version.Dot;
import io.murmur.version.VectorClock;
import io.murmur.version.Version;
import io.murmur.version.VersionedRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * How long a node takes to build its Merkle trees from disk (after a restart, or for
 * ranges it newly replicates), against the floor of reading the same records.
 *
 * <p>Loads KEYS seeded random 16-byte keys with VALUE_BYTES random values (one version
 * each) into a {@link RocksDbStorage} with the default options in a temporary directory,
 * closes and reopens it (so nothing is in the memtable or the block cache), scans it once
 * to warm up, then RUNS times, the order alternating from run to run: a full scan of the
 * store with a visitor that only counts (the floor: RocksDB iteration and record
 * decoding), and {@link TreeIndex#rebuild} of all 768 ranges a node of a 3-node ring with
 * 256 vnodes and N = 3 replicates (every range), at depth 10, into a fresh index. Prints
 * each run's wall-clock and CPU time (of the calling thread, on which RocksDB does the
 * reading) and the medians; deletes the directory.
 *
 * <pre>java -cp ... io.murmur.bench.TreeRebuildBench [KEYS [VALUE_BYTES [RUNS [DIR]]]]</pre>
 *
 * Defaults: 1,000,000 keys, 1024 bytes, 3 runs, a new directory under java.io.tmpdir.
 */
public final class TreeRebuildBench {
    private static final long SEED = 20_261_124L;
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private TreeRebuildBench() {
    }

    public static void main(String[] args) throws IOException {
        int keys = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int valueBytes = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Path dir = args.length > 3 ? Files.createDirectories(Path.of(args[3])).resolve("rebuild-bench")
                : Files.createTempDirectory("murmur-rebuild-bench");
        try {
            run(dir, keys, valueBytes, runs);
        } finally {
            delete(dir);
        }
    }

    static void run(Path dir, int keys, int valueBytes, int runs) {
        StorageOptions options = StorageOptions.defaults();
        long started = System.nanoTime();
        try (RocksDbStorage storage = RocksDbStorage.open(dir, options)) {
            load(storage, keys, valueBytes);
        }
        System.out.printf(Locale.ROOT, "loaded %,d keys (16-byte keys, %,d-byte random values, one version each) "
                + "in %.1f s into %s (default storage options)%n", keys, valueBytes,
                (System.nanoTime() - started) / 1e9, dir);

        List<RingMember> members = new ArrayList<>();
        for (String id : List.of("n1", "n2", "n3")) {
            members.add(RingMember.of(id, "r1", 256));
        }
        List<TokenRange> ranges = RingSnapshot.of(members).rangesReplicatedBy("n1", 3);
        int depth = 10;
        long[] scanNanos = new long[runs];
        long[] rebuildNanos = new long[runs];
        long[] scanCpu = new long[runs];
        long[] rebuildCpu = new long[runs];
        try (RocksDbStorage storage = RocksDbStorage.open(dir, options)) {
            System.out.printf(Locale.ROOT, "reopened: about %,d keys, %,d MiB of data on disk (RocksDB's estimates)%n",
                    storage.approximateKeyCount(), storage.approximateDataBytes() >> 20);
            long[] warm = timed(() -> check(countAll(storage), keys, "scan"));
            System.out.printf(Locale.ROOT, "warm-up: full scan %,d ms (%,d ms CPU), not counted%n",
                    warm[0] / 1_000_000, warm[1] / 1_000_000);
            for (int r = 0; r < runs; r++) {
                Runnable scan = () -> check(countAll(storage), keys, "scan");
                Runnable rebuild = () -> {
                    TreeIndex.Rebuild rebuilt = new TreeIndex(depth).rebuild(ranges, storage);
                    check(rebuilt.keys(), keys, "rebuild");
                    if (rebuilt.rangesScanned() != ranges.size()) {
                        throw new IllegalStateException("rebuilt " + rebuilt.rangesScanned() + " of "
                                + ranges.size() + " ranges");
                    }
                };
                // Alternate which goes first, so neither always follows the other's warm-up.
                long[] s;
                long[] b;
                if (r % 2 == 0) {
                    s = timed(scan);
                    b = timed(rebuild);
                } else {
                    b = timed(rebuild);
                    s = timed(scan);
                }
                scanNanos[r] = s[0];
                scanCpu[r] = s[1];
                rebuildNanos[r] = b[0];
                rebuildCpu[r] = b[1];
                System.out.printf(Locale.ROOT, "run %d: full scan (no-op visitor) %,d ms (%,d ms CPU), %s keys/s; "
                                + "rebuild of %d ranges at depth %d %,d ms (%,d ms CPU), %s keys/s%n", r + 1,
                        s[0] / 1_000_000, s[1] / 1_000_000, rate(keys, s[0]), ranges.size(), depth,
                        b[0] / 1_000_000, b[1] / 1_000_000, rate(keys, b[0]));
            }
        }
        long scan = median(scanNanos);
        long rebuild = median(rebuildNanos);
        System.out.printf(Locale.ROOT, "median of %d: full scan %,d ms (%s keys/s; CPU %,d ms), rebuild %,d ms "
                        + "(%s keys/s, %.0f MiB/s of values; CPU %,d ms), rebuild / scan %.2f (CPU %.2f)%n", runs,
                scan / 1_000_000, rate(keys, scan), median(scanCpu) / 1_000_000, rebuild / 1_000_000,
                rate(keys, rebuild), (double) keys * valueBytes / (1 << 20) / (rebuild / 1e9),
                median(rebuildCpu) / 1_000_000, (double) rebuild / scan,
                (double) median(rebuildCpu) / median(scanCpu));
    }

    private static long countAll(Storage storage) {
        long[] seen = new long[1];
        storage.scan(Long.MIN_VALUE, Long.MAX_VALUE, (token, key, record) -> {
            seen[0]++;
            return true;
        });
        return seen[0];
    }

    /** Wall-clock and this thread's CPU nanoseconds of {@code work} (RocksDB runs on the calling thread). */
    private static long[] timed(Runnable work) {
        long cpu = CPU.getCurrentThreadCpuTime();
        long t = System.nanoTime();
        work.run();
        return new long[] {System.nanoTime() - t, CPU.getCurrentThreadCpuTime() - cpu};
    }

    private static void load(Storage storage, int keys, int valueBytes) {
        SplittableRandom rng = new SplittableRandom(SEED);
        for (int i = 0; i < keys; i++) {
            byte[] key = new byte[16];
            rng.nextBytes(key);
            byte[] value = new byte[valueBytes];
            rng.nextBytes(value);
            VersionedRecord record = VersionedRecord.EMPTY.add(Version.value(
                    new Dot("n" + (1 + rng.nextInt(3)), 1), VectorClock.EMPTY, value, 1_700_000_000_000L));
            storage.update(key, current -> record);
        }
    }

    private static void check(long seen, int keys, String what) {
        if (seen != keys) {
            throw new IllegalStateException(what + " saw " + seen + " keys, expected " + keys);
        }
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static String rate(long keys, long nanos) {
        double perSecond = keys / (nanos / 1e9);
        return perSecond >= 1e6 ? String.format(Locale.ROOT, "%.2fM", perSecond / 1e6)
                : String.format(Locale.ROOT, "%.0fk", perSecond / 1e3);
    }

    private static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
