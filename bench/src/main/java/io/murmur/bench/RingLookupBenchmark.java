package io.murmur.bench;

import io.murmur.ring.AvailabilityView;
import io.murmur.ring.NodeSet;
import io.murmur.ring.Placement;
import io.murmur.ring.RingMember;
import io.murmur.ring.RingSnapshot;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Preference-list lookups on a large ring: the strict list, and the sloppy placement with
 * nothing failed and with half the nodes failed (as a bitset and as a set-backed predicate),
 * both directly and through a precomputed {@link AvailabilityView}, whose build is measured too.
 *
 * <p>Keys cycle through 64 Ki seeded random tokens (or 16-byte keys), far more than fit in
 * the branch predictor and spread over the whole ring, so the numbers include the cache
 * misses of a real lookup rather than one hot path. Each benchmark reads every returned node
 * (a lookup's list is a lazy view; reading it is part of the cost) and lets the result
 * escape, so the allocation is real. Run with {@code -prof gc} to see the
 * allocation per lookup ({@code gc.alloc.rate.norm}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RingLookupBenchmark {
    private static final int KEY_COUNT = 1 << 16;
    private static final long SEED = 20_261_122L;

    @Param("1024")
    int nodes;

    @Param("256")
    int vnodes;

    @Param("4")
    int racks;

    @Param("3")
    int replicas;

    @Param("512")
    int failed;

    private RingSnapshot ring;
    private long[] tokens;
    private byte[][] keys;
    private NodeSet noneFailed;
    private NodeSet someFailed;
    private Predicate<String> someFailedTest;
    private AvailabilityView viewNoneFailed;
    private AvailabilityView viewHalfFailed;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        List<RingMember> members = new ArrayList<>(nodes);
        List<String> ids = new ArrayList<>(nodes);
        for (int i = 0; i < nodes; i++) {
            String id = "node-" + i;
            members.add(RingMember.of(id, "rack-" + (i % racks), vnodes));
            ids.add(id);
        }
        ring = RingSnapshot.of(members);

        SplittableRandom rnd = new SplittableRandom(SEED);
        tokens = new long[KEY_COUNT];
        keys = new byte[KEY_COUNT][];
        for (int i = 0; i < KEY_COUNT; i++) {
            tokens[i] = rnd.nextLong();
            keys[i] = ("user:" + Long.toHexString(rnd.nextLong())).getBytes(StandardCharsets.UTF_8);
        }
        Collections.shuffle(ids, new Random(SEED));
        Set<String> down = new HashSet<>(ids.subList(0, failed));
        noneFailed = ring.nodeSet(Set.of());
        someFailed = ring.nodeSet(down);
        someFailedTest = down::contains;
        viewNoneFailed = ring.availabilityView(noneFailed, replicas);
        viewHalfFailed = ring.availabilityView(someFailed, replicas);
    }

    private int nextIndex() {
        return next++ & (KEY_COUNT - 1);
    }

    @Benchmark
    public void preferenceList(Blackhole bh) {
        consume(bh, ring.preferenceList(tokens[nextIndex()], replicas));
    }

    @Benchmark
    public void preferenceListOfKeyBytes(Blackhole bh) {
        consume(bh, ring.preferenceList(keys[nextIndex()], replicas));
    }

    @Benchmark
    public void placementNoneFailed(Blackhole bh) {
        consume(bh, ring.placement(tokens[nextIndex()], replicas, noneFailed));
    }

    @Benchmark
    public void placementHalfFailed(Blackhole bh) {
        consume(bh, ring.placement(tokens[nextIndex()], replicas, someFailed));
    }

    @Benchmark
    public void placementHalfFailedPredicate(Blackhole bh) {
        consume(bh, ring.placement(tokens[nextIndex()], replicas, someFailedTest));
    }

    @Benchmark
    public void viewPlacementNoneFailed(Blackhole bh) {
        consume(bh, viewNoneFailed.placement(tokens[nextIndex()]));
    }

    @Benchmark
    public void viewPlacementHalfFailed(Blackhole bh) {
        consume(bh, viewHalfFailed.placement(tokens[nextIndex()]));
    }

    /** Building the view for the whole ring with half the nodes failed; B/op is the view's size. */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public AvailabilityView viewBuildHalfFailed() {
        return ring.availabilityView(someFailed, replicas);
    }

    /** Reads every node, as a caller sending to them would; the result itself escapes too. */
    private static void consume(Blackhole bh, List<String> list) {
        for (int i = 0; i < list.size(); i++) {
            bh.consume(list.get(i));
        }
        bh.consume(list);
    }

    private static void consume(Blackhole bh, Placement placement) {
        for (int i = 0; i < placement.healthyCount(); i++) {
            bh.consume(placement.healthy(i));
            bh.consume(placement.standsInFor(i));
        }
        bh.consume(placement);
    }
}
