package io.murmur.bench;

import io.murmur.antientropy.Digests;
import io.murmur.antientropy.TrackedStorage;
import io.murmur.antientropy.TreeIndex;
import io.murmur.ring.RingMember;
import io.murmur.ring.RingSnapshot;
import io.murmur.ring.Token;
import io.murmur.ring.TokenRange;
import io.murmur.storage.InMemoryStorage;
import io.murmur.version.Dot;
import io.murmur.version.VectorClock;
import io.murmur.version.Version;
import io.murmur.version.VersionedRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * What anti-entropy adds to every write: the Merkle-tree update.
 *
 * <p>A node of a 3-node ring with the defaults (256 vnodes, N = 3, depth 10) keeps a tree
 * for each of the 768 ranges it replicates: 6 MiB of leaves. Writes cycle through 64 Ki
 * seeded random tokens, so a write's leaf is usually a cache miss, as on a real node.
 * Records are typical: one version (a 100-byte value written through a node by a client
 * that had read the version before; node ids like {@code node-3f9a02c1}, as a node names
 * itself), replaced by one successor.
 *
 * <ul>
 * <li>{@code digestEntry}: {@link Digests#entry}, one record's tree entry.</li>
 * <li>{@code treeChanged}: {@link TreeIndex#changed}, the whole tree update of one write
 *     (two entries, finding the tree, an atomic XOR into its leaf), token given. The key
 *     and the records come from a pool of 16, so they are in cache, as on a write, which
 *     has just read and merged them; only the tree is spread out.</li>
 * <li>{@code treeChangedColdRecords}: the same with 64 Ki distinct keys and records, so
 *     following a record's pointers (list, version, dot, node id) misses the cache too:
 *     the bound for a record nothing has touched lately.</li>
 * <li>{@code plainUpdate} and {@code trackedUpdate}: a coordinator's write (a successor
 *     of the current version, written by a client that read it) applied with
 *     {@code Storage.update} to an {@link InMemoryStorage}, bare and through
 *     {@link TrackedStorage}, over the 64 Ki keys; their difference is what the trees
 *     cost a write with everything around it (the key's token, the barrier, the capture of
 *     the record before).</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MerkleTreeBenchmark {
    private static final int KEY_COUNT = 1 << 16;
    private static final int HOT = 16;
    /** Node ids as a node makes them up when none is configured. */
    private static final List<String> NODES = List.of("node-3f9a02c1", "node-b7d41e58", "node-0c6e9f27");
    private static final long SEED = 20_261_123L;

    @Param("10")
    int depth;

    @Param("256")
    int vnodes;

    @Param("100")
    int valueBytes;

    private byte[][] keys;
    private long[] tokens;
    private VersionedRecord[] before;
    private VersionedRecord[] after;
    private UnaryOperator<VersionedRecord>[] write;
    private List<TokenRange> ranges;
    private TreeIndex trees;
    private InMemoryStorage plain;
    private InMemoryStorage underTracked;
    private TrackedStorage tracked;
    private int next;

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void setUp() {
        List<RingMember> members = new ArrayList<>();
        for (String id : NODES) {
            members.add(RingMember.of(id, "r1", vnodes));
        }
        ranges = RingSnapshot.of(members).rangesReplicatedBy(NODES.get(0), 3);
        trees = new TreeIndex(depth);
        plain = new InMemoryStorage();
        underTracked = new InMemoryStorage();
        trees.rebuild(ranges, underTracked); // every range, empty
        tracked = new TrackedStorage(underTracked, trees);

        SplittableRandom rng = new SplittableRandom(SEED);
        keys = new byte[KEY_COUNT][];
        tokens = new long[KEY_COUNT];
        before = new VersionedRecord[KEY_COUNT];
        after = new VersionedRecord[KEY_COUNT];
        write = new UnaryOperator[KEY_COUNT];
        for (int i = 0; i < KEY_COUNT; i++) {
            byte[] key = new byte[16];
            rng.nextBytes(key);
            keys[i] = key;
            tokens[i] = Token.of(key);
            VersionedRecord first = VersionedRecord.EMPTY.add(Version.value(new Dot(NODES.get(rng.nextInt(3)), 1),
                    VectorClock.EMPTY, value(rng), 1_700_000_000_000L));
            VersionedRecord second = first.add(first.nextVersion(NODES.get(rng.nextInt(3)), first.context(),
                    value(rng), 1_700_000_001_000L, 10));
            if (first.siblings().size() != 1 || second.siblings().size() != 1) {
                throw new IllegalStateException("expected one version before and after");
            }
            before[i] = first;
            after[i] = second;
            String coordinator = NODES.get(rng.nextInt(3));
            byte[] value = value(rng);
            write[i] = current -> current.add(current.nextVersion(coordinator, current.context(), value,
                    1_700_000_002_000L, 10));
            plain.update(key, r -> first);
            tracked.update(key, r -> first);
        }
        if (trees.ranges().size() != 3 * vnodes) {
            throw new IllegalStateException("expected " + 3 * vnodes + " trees, got " + trees.ranges().size());
        }
    }

    private byte[] value(SplittableRandom rng) {
        byte[] v = new byte[valueBytes];
        rng.nextBytes(v);
        return v;
    }

    /** Checks that writes kept their records to one version and, after tracked writes, the trees exact. */
    @TearDown(Level.Trial)
    public void tearDown(BenchmarkParams params) {
        for (byte[] key : keys) {
            if (plain.get(key).siblings().size() != 1 || tracked.get(key).siblings().size() != 1) {
                throw new IllegalStateException("a record grew past one version");
            }
        }
        if (params.getBenchmark().endsWith("trackedUpdate")) {
            TreeIndex fresh = new TreeIndex(depth);
            fresh.rebuild(ranges, underTracked);
            for (TokenRange r : ranges) {
                if (fresh.tree(r).root() != trees.tree(r).root()) {
                    throw new IllegalStateException("the tree of " + r + " differs from one rebuilt from storage");
                }
            }
        }
        plain.close();
        tracked.close();
    }

    private int nextIndex() {
        int i = next;
        next = (i + 1) & (KEY_COUNT - 1);
        return i;
    }

    @Benchmark
    public long digestEntry() {
        int i = nextIndex();
        int h = i & (HOT - 1);
        return Digests.entry(tokens[i], keys[h], before[h]);
    }

    /**
     * A hot key's change at one of 64 Ki tokens; the same (token, change) comes round again
     * every 64 Ki calls and XORs its delta back out, so the trees stay as they were.
     */
    @Benchmark
    public void treeChanged() {
        int i = nextIndex();
        int h = i & (HOT - 1);
        trees.changed(tokens[i], keys[h], before[h], after[h]);
    }

    @Benchmark
    public void treeChangedColdRecords() {
        int i = nextIndex();
        trees.changed(tokens[i], keys[i], before[i], after[i]);
    }

    @Benchmark
    public VersionedRecord plainUpdate() {
        int i = nextIndex();
        return plain.update(keys[i], write[i]);
    }

    @Benchmark
    public VersionedRecord trackedUpdate() {
        int i = nextIndex();
        return tracked.update(keys[i], write[i]);
    }
}
