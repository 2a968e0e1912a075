package io.murmur.version;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reconciliation laws of {@link VersionedRecord} over versions taken from random write
 * histories (see {@link Generators#history}): replicas that saw the same writes in any
 * order, in any grouping, hold the same record, and no write is lost on the way.
 */
class VersionedRecordPropertiesTest {

    static LongStream seeds() {
        return LongStream.range(0, 200);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void mergeIsCommutativeAssociativeAndIdempotent(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Version> all = Generators.history(r, 24).writes();
        VersionedRecord a = VersionedRecord.of(Generators.subset(r, all));
        VersionedRecord b = VersionedRecord.of(Generators.subset(r, all));
        VersionedRecord c = VersionedRecord.of(Generators.subset(r, all));

        assertThat(a.merge(b)).isEqualTo(b.merge(a));
        assertThat(a.merge(b).merge(c)).isEqualTo(a.merge(b.merge(c)));
        assertThat(a.merge(a)).isEqualTo(a);
        assertThat(a.merge(VersionedRecord.EMPTY)).isEqualTo(a);
        assertThat(VersionedRecord.EMPTY.merge(a)).isEqualTo(a);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void arrivalOrderDoesNotMatter(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Version> all = Generators.history(r, 24).writes();
        VersionedRecord inOrder = VersionedRecord.of(all);
        List<Version> shuffled = new ArrayList<>(all);
        Generators.shuffle(r, shuffled);
        assertThat(VersionedRecord.of(shuffled)).isEqualTo(inOrder);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void recordHoldsExactlyTheVersionsNothingSupersedes(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Version> seen = Generators.subset(r, Generators.history(r, 24).writes());
        VersionedRecord record = VersionedRecord.of(seen);

        // Differential check against the definition: the maximal elements, one per dot.
        Set<Version> maximal = new HashSet<>();
        for (Version v : seen) {
            boolean superseded = false;
            for (Version w : seen) {
                superseded |= w.supersedes(v);
            }
            if (!superseded) {
                maximal.add(v);
            }
        }
        assertThat(record.siblings()).containsExactlyInAnyOrderElementsOf(maximal);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void noSiblingSupersedesAnotherAndSiblingsAreSortedByDot(long seed) {
        VersionedRecord record = Generators.record(new SplittableRandom(seed));
        List<Version> s = record.siblings();
        for (int i = 0; i < s.size(); i++) {
            for (int j = 0; j < s.size(); j++) {
                if (i != j) {
                    assertThat(s.get(i).compare(s.get(j))).as("%s vs %s", s.get(i), s.get(j))
                            .isEqualTo(Causality.CONCURRENT);
                }
            }
            if (i > 0) {
                Dot prev = s.get(i - 1).dot();
                Dot cur = s.get(i).dot();
                int byNode = prev.node().compareTo(cur.node());
                assertThat(byNode < 0 || (byNode == 0 && prev.counter() < cur.counter())).as("%s then %s", prev, cur)
                        .isTrue();
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void everyWriteIsKeptOrSupersededByAKeptSibling(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Generators.History h = Generators.history(r, 24);
        VersionedRecord record = h.converged();
        for (Version v : h.writes()) {
            boolean kept = record.siblings().contains(v);
            boolean superseded = record.siblings().stream().anyMatch(s -> s.supersedes(v));
            assertThat(kept || superseded).as("%s lost from %s", v, record).isTrue();
            assertThat(record.context().covers(v.dot())).isTrue();
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void replicasConvergeOnceTheyHaveExchangedRecords(long seed) {
        Generators.History h = Generators.history(new SplittableRandom(seed), 24);
        VersionedRecord all = VersionedRecord.EMPTY;
        for (VersionedRecord replica : h.replicas()) {
            all = all.merge(replica);
        }
        assertThat(all).isEqualTo(h.converged());
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void aContextClaimsOnlyWritesItsReplicaHasReallySeen(long seed) {
        Generators.History h = Generators.history(new SplittableRandom(seed), 24);
        for (Generators.Handout handout : h.handouts()) {
            for (Version v : h.writes()) {
                if (handout.context().covers(v.dot())) {
                    assertThat(handout.seen()).as("%s claims %s", handout.context(), v.dot()).contains(v.dot());
                }
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void noWriteIsOverwrittenByAClientThatNeverSawIt(long seed) {
        Generators.History h = Generators.history(new SplittableRandom(seed), 24);
        for (Version w : h.writes()) {
            for (Version v : h.writes()) {
                if (w.supersedes(v)) {
                    assertThat(h.writerSaw().get(w.dot())).as("%s overwrote %s unseen", w, v).contains(v.dot());
                }
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void aWriteWithACompleteRecordsContextSupersedesEverySibling(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        VersionedRecord record = Generators.completeRecord(r);
        String node = Generators.NODES.get(r.nextInt(Generators.NODES.size()));
        Version v = record.nextVersion(node, record.context(), Generators.value(r), 9_000, Generators.NO_PRUNING);

        for (Version s : record.siblings()) {
            assertThat(v.supersedes(s)).as("%s over %s", v, s).isTrue();
        }
        assertThat(record.add(v).siblings()).containsExactly(v);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void aWriteWithAnyRecordsContextSupersedesExactlyTheSiblingsItCovers(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        VersionedRecord record = Generators.record(r);
        VectorClock ctx = record.context();
        Version v = record.nextVersion("e", ctx, Generators.value(r), 9_000, Generators.NO_PRUNING);

        List<Version> expected = new ArrayList<>();
        expected.add(v);
        for (Version s : record.siblings()) {
            if (!ctx.covers(s.dot())) {
                expected.add(s);
            }
        }
        assertThat(record.add(v).siblings()).containsExactlyInAnyOrderElementsOf(expected);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void twoWritesWithTheSameStaleContextBecomeSiblings(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        VersionedRecord record = Generators.completeRecord(r);
        VectorClock stale = record.context();
        String first = Generators.NODES.get(r.nextInt(Generators.NODES.size()));
        String second = r.nextBoolean() ? first : Generators.NODES.get(r.nextInt(Generators.NODES.size()));

        Version v1 = record.nextVersion(first, stale, Generators.value(r), 9_000, Generators.NO_PRUNING);
        VersionedRecord afterFirst = record.add(v1);
        Version v2 = afterFirst.nextVersion(second, stale, Generators.value(r), 9_001, Generators.NO_PRUNING);
        VersionedRecord afterBoth = afterFirst.add(v2);

        assertThat(v1.dot()).isNotEqualTo(v2.dot());
        assertThat(v1.compare(v2)).isEqualTo(Causality.CONCURRENT);
        assertThat(afterBoth.siblings()).containsExactlyInAnyOrder(v1, v2);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void nextVersionDotIsPastEverythingSeen(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        VersionedRecord record = Generators.record(r);
        VectorClock clientContext = Generators.clock(r);
        String node = Generators.NODES.get(r.nextInt(Generators.NODES.size()));
        Version v = record.nextVersion(node, clientContext, null, 9_000, Generators.NO_PRUNING);

        assertThat(v.dot().node()).isEqualTo(node);
        assertThat(v.dot().counter()).isGreaterThan(clientContext.counter(node));
        long seen = 0;
        boolean holdsOwn = false;
        for (Version s : record.siblings()) {
            assertThat(v.dot().counter()).isGreaterThan(s.history().counter(node));
            seen = Math.max(seen, s.history().counter(node));
            holdsOwn |= s.dot().node().equals(node);
        }
        assertThat(record.context().covers(v.dot())).isFalse();
        assertThat(v.isTombstone()).isTrue();
        if (holdsOwn) {
            // The record holds a write of the node: its counter goes on by one.
            assertThat(v.dot().counter()).isEqualTo(Math.max(seen, clientContext.counter(node)) + 1);
            assertThat(v.context()).isEqualTo(clientContext);
        } else {
            // It holds none: the counter is floored by the clock (and past whatever the record
            // names), and the context claims everything below it.
            assertThat(v.dot().counter()).isEqualTo(Math.max(Math.max(9_000_000, seen),
                    clientContext.counter(node)) + 1);
            VectorClock claim = clientContext;
            for (Version s : record.siblings()) {
                claim = claim.merge(s.context());
            }
            assertThat(v.context()).isEqualTo(claim.withAtLeast(node, v.dot().counter() - 1, 9_000));
            assertThat(VersionedRecord.EMPTY.add(v).context().covers(v.dot())).isTrue();
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void aWriteThroughANodeWhoseRecordLostItsWritesSupersedesEveryEarlierWriteOfThatNode(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Generators.History h = Generators.history(r, 24);
        String node = Generators.NODES.get(r.nextInt(Generators.NODES.size()));
        // Its record purged or wiped, later than every write of the run.
        Version v = VersionedRecord.EMPTY.nextVersion(node, VectorClock.EMPTY, Generators.value(r), 9_000,
                Generators.NO_PRUNING);

        for (Version w : h.writes()) {
            assertThat(v.supersedes(w)).as("%s over %s", v, w).isEqualTo(w.dot().node().equals(node));
        }
        // Whatever a lagging replica still holds, the new write is kept there.
        VersionedRecord lagging = VersionedRecord.of(Generators.subset(r, h.writes()));
        assertThat(lagging.add(v).siblings()).contains(v);
    }
}
