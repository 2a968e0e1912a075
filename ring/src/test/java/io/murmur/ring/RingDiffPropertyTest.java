package io.murmur.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Ring diffs against recomputation, and how much moves on joins, leaves and vnode changes. */
class RingDiffPropertyTest {

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 40);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void movementsAreExactlyWhereReplicaSetsDiffer(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<RingMember> members = RandomRings.members(rnd, RandomRings.SMALL);
        RingSnapshot before = RingSnapshot.of(members);
        RingSnapshot after = randomChange(rnd, before);
        int n = 1 + rnd.nextInt(4);
        RingDiff diff = RingSnapshot.diff(before, after, n);
        String what = String.format("seed %d n %d %s -> %s", seed, n, before.members(), after.members());

        assertThat(diff.fromEpoch()).isEqualTo(before.epoch());
        assertThat(diff.toEpoch()).isEqualTo(after.epoch());
        assertThat(diff.movements()).as(what)
                .allSatisfy(m -> assertThat(new HashSet<>(m.before())).isNotEqualTo(new HashSet<>(m.after())));
        assertDisjoint(what, diff);

        BruteForceRing was = new BruteForceRing(before.members());
        BruteForceRing now = new BruteForceRing(after.members());
        long[] probes = concat(RandomRings.probeTokens(rnd, was, 200), RandomRings.probeTokens(rnd, now, 200));
        for (long token : probes) {
            List<String> a = was.preferenceList(token, n);
            List<String> b = now.preferenceList(token, n);
            List<RingDiff.Movement> hits = diff.movements().stream().filter(m -> m.range().contains(token)).toList();
            if (new HashSet<>(a).equals(new HashSet<>(b))) {
                assertThat(hits).as(what + ": token %d keeps %s", token, a).isEmpty();
            } else {
                assertThat(hits).as(what + ": token %d moves %s -> %s", token, a, b).hasSize(1);
                assertThat(hits.get(0).before()).as(what + ": token %d", token).containsExactlyElementsOf(a);
                assertThat(hits.get(0).after()).as(what + ": token %d", token).containsExactlyElementsOf(b);
                Set<String> gaining = new HashSet<>(b);
                gaining.removeAll(a);
                Set<String> losing = new HashSet<>(a);
                losing.removeAll(b);
                assertThat(hits.get(0).gaining()).as(what).containsExactlyInAnyOrderElementsOf(gaining);
                assertThat(hits.get(0).losing()).as(what).containsExactlyInAnyOrderElementsOf(losing);
            }
        }
    }

    /**
     * The joiner's primary share is the sum of its 256 gaps; each gap is close to exponential
     * with mean 1/((nodes+1)·256), so the share has mean 1/(nodes+1) and relative standard
     * deviation 1/√256 = 6.25%. 25% is four deviations; the mean over the seeds (each run has a
     * different ring) must be within 8% (four deviations of a mean of 10).
     */
    @Test
    void joinAndLeaveMoveCloseToTheIdealShare() {
        double joinRatioSum = 0;
        double leaveRatioSum = 0;
        int runs = 10;
        for (long seed = 1; seed <= runs; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed);
            int nodes = 16 + rnd.nextInt(48);
            List<RingMember> members = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                members.add(RingMember.of("s" + seed + "-node-" + i, "rack-" + (i % 3), 256));
            }
            RingSnapshot before = RingSnapshot.of(members);
            String joiner = "s" + seed + "-joiner";
            RingSnapshot joined = before.withMember(RingMember.of(joiner, "rack-0", 256));
            RingDiff join = RingSnapshot.diff(before, joined, 1);
            double ideal = 1.0 / (nodes + 1);
            double joinRatio = join.movedFraction() / ideal;
            assertThat(joinRatio).as("seed %d nodes %d: join moved %f, ideal %f", seed, nodes, join.movedFraction(), ideal)
                    .isBetween(0.75, 1.25);
            assertThat(join.movedFraction()).as("seed %d: the join moves exactly the joiner's share", seed)
                    .isCloseTo(joined.ownership(joiner), org.assertj.core.data.Offset.offset(1e-9));
            assertThat(join.movements()).as("seed %d", seed)
                    .allSatisfy(m -> assertThat(m.gaining()).containsExactly(joiner));

            String leaver = members.get(rnd.nextInt(nodes)).nodeId();
            RingDiff leave = RingSnapshot.diff(before, before.withoutMember(leaver), 1);
            double leaveIdeal = 1.0 / nodes;
            double leaveRatio = leave.movedFraction() / leaveIdeal;
            assertThat(leaveRatio).as("seed %d nodes %d: leave moved %f, ideal %f", seed, nodes, leave.movedFraction(), leaveIdeal)
                    .isBetween(0.75, 1.25);
            joinRatioSum += joinRatio;
            leaveRatioSum += leaveRatio;
        }
        assertThat(joinRatioSum / runs).as("mean join ratio").isBetween(0.92, 1.08);
        assertThat(leaveRatioSum / runs).as("mean leave ratio").isBetween(0.92, 1.08);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void aVnodeChangeMovesOnlyTheChangedTokensRanges(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<RingMember> members = RandomRings.members(rnd, RandomRings.SMALL);
        RingSnapshot before = RingSnapshot.of(members);
        RingMember x = members.get(rnd.nextInt(members.size()));
        int newVnodes = 1 + rnd.nextInt(RandomRings.SMALL.maxVnodes());
        RingSnapshot after = before.withVnodes(x.nodeId(), newVnodes);
        String what = String.format("seed %d: %s vnodes %d -> %d", seed, x.nodeId(), x.vnodes(), newVnodes);
        assertThat(after.epoch()).isEqualTo(before.epoch() + 1);

        // Only the highest-index tokens of x come or go.
        long[] was = x.tokens();
        long[] now = x.withVnodes(newVnodes).tokens();
        int common = Math.min(was.length, now.length);
        Set<Long> changed = new HashSet<>();
        for (int i = common; i < was.length; i++) {
            changed.add(was[i]);
        }
        for (int i = common; i < now.length; i++) {
            changed.add(now[i]);
        }
        for (RingMember other : members) {
            if (!other.nodeId().equals(x.nodeId())) {
                assertThat(after.tokensOf(other.nodeId())).as(what).isEqualTo(before.tokensOf(other.nodeId()));
            }
        }

        RingDiff primaries = RingSnapshot.diff(before, after, 1);
        for (RingDiff.Movement m : primaries.movements()) {
            assertThat(changed).as(what + ": %s ends at a changed token", m.range()).contains(m.range().end());
        }
        for (int n = 1; n <= 4; n++) {
            RingDiff diff = RingSnapshot.diff(before, after, n);
            for (RingDiff.Movement m : diff.movements()) {
                assertThat(m.before().contains(x.nodeId()) != m.after().contains(x.nodeId()))
                        .as(what + " n %d: %s moves into or out of %s", n, m, x.nodeId()).isTrue();
            }
        }
    }

    @Test
    void identicalRingsDoNotMoveAnything() {
        RingSnapshot ring = RingSnapshot.of(List.of(RingMember.of("a", "r1", 8), RingMember.of("b", "r2", 8)));
        assertThat(RingSnapshot.diff(ring, ring, 3).isEmpty()).isTrue();
        assertThat(RingSnapshot.diff(ring, ring.toBuilder().epoch(5).build(), 2).movements()).isEmpty();
    }

    @Test
    void fromAnEmptyRingEverythingMovesIn() {
        RingSnapshot empty = RingSnapshot.empty();
        RingSnapshot one = empty.withMember(RingMember.of("a", "r1", 4));
        RingDiff diff = RingSnapshot.diff(empty, one, 3);
        assertThat(diff.movedFraction()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(diff.gainedBy("a")).hasSize(4);
        assertThat(diff.lostBy("a")).isEmpty();
        BigInteger total = diff.movements().stream().map(m -> m.range().size()).reduce(BigInteger.ZERO, BigInteger::add);
        assertThat(total).isEqualTo(BigInteger.ONE.shiftLeft(64));

        RingDiff back = RingSnapshot.diff(one, empty, 3);
        assertThat(back.lostBy("a")).hasSize(4);
        assertThat(RingSnapshot.diff(empty, empty, 1).isEmpty()).isTrue();
    }

    private static RingSnapshot randomChange(SplittableRandom rnd, RingSnapshot ring) {
        List<RingMember> members = ring.members();
        RingMember some = members.get(rnd.nextInt(members.size()));
        switch (rnd.nextInt(members.size() > 1 ? 5 : 4)) {
            case 0:
                return ring.withMember(RandomRings.member(rnd, "joiner", 1 + rnd.nextInt(6), RandomRings.SMALL));
            case 1:
                return ring.withVnodes(some.nodeId(), 1 + rnd.nextInt(30));
            case 2:
                return ring.withWeight(some.nodeId(), 1 + rnd.nextInt(3));
            case 3:
                return ring.withMember(new RingMember(some.nodeId(), "moved-rack", some.vnodes(), some.weight()));
            default:
                return ring.withoutMember(some.nodeId());
        }
    }

    private static void assertDisjoint(String what, RingDiff diff) {
        BigInteger total = BigInteger.ZERO;
        for (RingDiff.Movement m : diff.movements()) {
            total = total.add(m.range().size());
        }
        assertThat(total).as(what + ": movements cover at most the ring").isLessThanOrEqualTo(BigInteger.ONE.shiftLeft(64));
        List<RingDiff.Movement> ms = diff.movements();
        for (int i = 1; i < ms.size(); i++) {
            assertThat(ms.get(i).range().end()).as(what + ": ring order").isGreaterThan(ms.get(i - 1).range().end());
            assertThat(ms.get(i).range().start()).as(what + ": no overlap")
                    .isGreaterThanOrEqualTo(ms.get(i - 1).range().end());
        }
    }

    private static long[] concat(long[] a, long[] b) {
        long[] out = new long[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
