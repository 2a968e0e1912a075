package io.murmur.version;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static io.murmur.version.Causality.AFTER;
import static io.murmur.version.Causality.BEFORE;
import static io.murmur.version.Causality.EQUAL;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The partial-order and join-semilattice laws of {@link VectorClock}, checked on seeded
 * random clocks. A failing case names its seed; rerun that seed to reproduce it.
 */
class VectorClockPropertiesTest {

    static LongStream seeds() {
        return LongStream.range(0, 200);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void compareIsReflexive(long seed) {
        VectorClock c = Generators.clock(new SplittableRandom(seed));
        assertThat(c.compare(c)).isEqualTo(EQUAL);
        assertThat(c.compare(VectorClock.of(c.entries()))).isEqualTo(EQUAL);
        assertThat(c.descends(c)).isTrue();
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void compareIsAntisymmetric(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < 20; i++) {
            VectorClock a = Generators.clock(r);
            VectorClock b = r.nextBoolean() ? Generators.clock(r) : Generators.descendant(r, a);
            assertThat(b.compare(a)).as("%s vs %s", a, b).isEqualTo(a.compare(b).reverse());
            if (a.compare(b) == EQUAL) {
                assertThat(counters(a)).isEqualTo(counters(b));
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void compareIsTransitive(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < 20; i++) {
            VectorClock a = Generators.clock(r);
            VectorClock b = r.nextInt(4) == 0 ? Generators.clock(r) : Generators.descendant(r, a);
            VectorClock c = r.nextInt(4) == 0 ? Generators.clock(r) : Generators.descendant(r, b);
            Causality ab = a.compare(b);
            Causality bc = b.compare(c);
            if (atMost(ab) && atMost(bc)) {
                Causality expected = ab == EQUAL && bc == EQUAL ? EQUAL : BEFORE;
                assertThat(a.compare(c)).as("%s, %s, %s", a, b, c).isEqualTo(expected);
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void mergeIsCommutativeAssociativeAndIdempotent(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        VectorClock a = Generators.clock(r);
        VectorClock b = r.nextBoolean() ? Generators.clock(r) : Generators.descendant(r, a);
        VectorClock c = Generators.clock(r);
        assertThat(a.merge(b)).isEqualTo(b.merge(a));
        assertThat(a.merge(b).merge(c)).isEqualTo(a.merge(b.merge(c)));
        assertThat(a.merge(a)).isEqualTo(a);
        assertThat(a.merge(VectorClock.EMPTY)).isEqualTo(a);
        assertThat(VectorClock.EMPTY.merge(a)).isEqualTo(a);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void mergeIsTheLeastUpperBound(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        VectorClock a = Generators.clock(r);
        VectorClock b = Generators.clock(r);
        VectorClock m = a.merge(b);

        assertThat(m.descends(a)).isTrue();
        assertThat(m.descends(b)).isTrue();
        for (String n : Generators.NODES) {
            assertThat(m.counter(n)).as(n).isEqualTo(Math.max(a.counter(n), b.counter(n)));
        }
        // Least: lowering any one entry of the merge leaves a clock that is no longer above both.
        for (VectorClock.Entry e : m.entries()) {
            VectorClock lower = lowered(m, e.node());
            assertThat(lower.descends(a) && lower.descends(b)).as("lowered %s of %s", e.node(), m).isFalse();
        }
        // And every upper bound we can find descends the merge.
        for (int i = 0; i < 20; i++) {
            VectorClock u = r.nextBoolean() ? Generators.clock(r) : Generators.descendant(r, m);
            if (u.descends(a) && u.descends(b)) {
                assertThat(u.descends(m)).as("%s is above %s and %s", u, a, b).isTrue();
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void incrementComesAfterAndRaisesOneCounterByOne(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        VectorClock c = Generators.clock(r);
        String node = Generators.NODES.get(r.nextInt(Generators.NODES.size()));
        VectorClock next = c.increment(node, 5_000);

        assertThat(next.compare(c)).isEqualTo(AFTER);
        assertThat(c.compare(next)).isEqualTo(BEFORE);
        assertThat(next.counter(node)).isEqualTo(c.counter(node) + 1);
        for (String other : Generators.NODES) {
            if (!other.equals(node)) {
                assertThat(next.counter(other)).isEqualTo(c.counter(other));
            }
        }
        assertThat(next.entries()).contains(new VectorClock.Entry(node, c.counter(node) + 1, 5_000));
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void pruneKeepsTheMostRecentlyUpdatedEntriesUpToTheBound(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<String> many = List.of("n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9");
        VectorClock full = wideClock(r, many);
        int max = 1 + r.nextInt(many.size());
        VectorClock pruned = full.prune(max);

        assertThat(pruned.size()).isEqualTo(Math.min(max, full.size()));
        assertThat(full.entries()).containsAll(pruned.entries());
        List<VectorClock.Entry> dropped = new ArrayList<>(full.entries());
        dropped.removeAll(pruned.entries());
        for (VectorClock.Entry d : dropped) {
            for (VectorClock.Entry k : pruned.entries()) {
                boolean older = d.updatedAtMillis() < k.updatedAtMillis()
                        || (d.updatedAtMillis() == k.updatedAtMillis() && d.node().compareTo(k.node()) > 0);
                assertThat(older).as("dropped %s but kept %s", d, k).isTrue();
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void prunedClockNeverOrdersAfterWhatTheFullClockDidNot(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        VectorClock full = Generators.clock(r);
        VectorClock pruned = full.prune(1 + r.nextInt(3));
        assertThat(full.descends(pruned)).isTrue();
        for (int i = 0; i < 30; i++) {
            VectorClock x = r.nextBoolean() ? Generators.clock(r) : Generators.ancestor(r, full);
            Causality p = pruned.compare(x);
            if (p == AFTER) {
                assertThat(full.compare(x)).as("pruned %s, full %s, x %s", pruned, full, x).isEqualTo(AFTER);
            }
            if (p == EQUAL) {
                assertThat(full.descends(x)).isTrue();
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void entriesRoundTripThroughOf(long seed) {
        VectorClock c = Generators.clock(new SplittableRandom(seed));
        List<VectorClock.Entry> shuffled = new ArrayList<>(c.entries());
        Generators.shuffle(new SplittableRandom(seed + 1), shuffled);
        assertThat(VectorClock.of(shuffled)).isEqualTo(c).hasSameHashCodeAs(c);
    }

    private static boolean atMost(Causality c) {
        return c == BEFORE || c == EQUAL;
    }

    private static List<Long> counters(VectorClock c) {
        List<Long> out = new ArrayList<>();
        for (String n : Generators.NODES) {
            out.add(c.counter(n));
        }
        return out;
    }

    private static VectorClock lowered(VectorClock c, String node) {
        List<VectorClock.Entry> out = new ArrayList<>();
        for (VectorClock.Entry e : c.entries()) {
            if (!e.node().equals(node)) {
                out.add(e);
            } else if (e.counter() > 1) {
                out.add(new VectorClock.Entry(e.node(), e.counter() - 1, e.updatedAtMillis()));
            }
        }
        return VectorClock.of(out);
    }

    /** A clock over many nodes with timestamps drawn from a narrow range, so ties happen. */
    private static VectorClock wideClock(SplittableRandom r, List<String> nodes) {
        List<VectorClock.Entry> entries = new ArrayList<>();
        for (String n : nodes) {
            if (r.nextInt(4) > 0) {
                entries.add(new VectorClock.Entry(n, 1 + r.nextInt(9), r.nextLong(6)));
            }
        }
        return VectorClock.of(entries);
    }
}
