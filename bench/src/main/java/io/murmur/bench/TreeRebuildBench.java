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
 * closes and reopens it (so nothing is in the memtable or the block cache), then RUNS
 * times, alternating: a full scan of the store with a visitor that only counts (the
 * floor: RocksDB iteration and record decoding), and {@link TreeIndex#rebuild} of all 768
 * ranges a node of a 3-node ring with 256 vnodes and N = 3 replicates (every range), at
 * depth 10, into a fresh index. Prints each run and the medians; deletes the directory.
 *
 * <pre>java -cp ... io.murmur.bench.TreeRebuildBench [KEYS [VALUE_BYTES [RUNS [DIR]]]]</pre>
 *
 * Defaults: 1,000,000 keys, 1024 bytes, 3 runs, a new directory under java.io.tmpdir.
 */
public final class TreeRebuildBench {
    private static final long SEED = 20_261_124L;

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
        try (RocksDbStorage storage = RocksDbStorage.open(dir, options)) {
            System.out.printf(Locale.ROOT, "reopened: about %,d keys, %,d MiB of data on disk%n",
                    storage.approximateKeyCount(), storage.approximateDataBytes() >> 20);
            for (int r = 0; r < runs; r++) {
                long[] seen = new long[1];
                long t0 = System.nanoTime();
                storage.scan(Long.MIN_VALUE, Long.MAX_VALUE, (token, key, record) -> {
                    seen[0]++;
                    return true;
                });
                scanNanos[r] = System.nanoTime() - t0;
                check(seen[0], keys, "scan");

                TreeIndex trees = new TreeIndex(depth);
                long t1 = System.nanoTime();
                TreeIndex.Rebuild rebuilt = trees.rebuild(ranges, storage);
                rebuildNanos[r] = System.nanoTime() - t1;
                check(rebuilt.keys(), keys, "rebuild");
                if (rebuilt.rangesScanned() != ranges.size()) {
                    throw new IllegalStateException("rebuilt " + rebuilt.rangesScanned() + " of " + ranges.size()
                            + " ranges");
                }
                System.out.printf(Locale.ROOT, "run %d: full scan (no-op visitor) %,d ms, %s keys/s; "
                                + "rebuild of %d ranges at depth %d %,d ms, %s keys/s%n", r + 1,
                        scanNanos[r] / 1_000_000, rate(keys, scanNanos[r]), ranges.size(), depth,
                        rebuildNanos[r] / 1_000_000, rate(keys, rebuildNanos[r]));
            }
        }
        long scan = median(scanNanos);
        long rebuild = median(rebuildNanos);
        System.out.printf(Locale.ROOT, "median of %d: full scan %,d ms (%s keys/s), rebuild %,d ms (%s keys/s, "
                        + "%.0f MiB/s of values), rebuild / scan %.2f%n", runs, scan / 1_000_000, rate(keys, scan),
                rebuild / 1_000_000, rate(keys, rebuild), (double) keys * valueBytes / (1 << 20) / (rebuild / 1e9),
                (double) rebuild / scan);
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
