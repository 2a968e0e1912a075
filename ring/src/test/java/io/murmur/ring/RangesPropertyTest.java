package io.murmur.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Owned and replicated ranges: they tile the ring and agree with the preference lists. */
class RangesPropertyTest {
    private static final BigInteger RING_SIZE = BigInteger.ONE.shiftLeft(64);

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 40);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void ownedRangesPartitionTheRing(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<RingMember> members = RandomRings.members(rnd, RandomRings.SMALL);
        RingSnapshot.TokenFunction tokens = seed % 4 == 0 ? RandomRings.crowdedTokens() : RingMember::tokenOf;
        RingSnapshot ring = RingSnapshot.builder().addAll(members).tokenFunction(tokens).build();
        BruteForceRing brute = new BruteForceRing(members, tokens);

        List<TokenRange> all = new ArrayList<>();
        double ownershipSum = 0;
        for (RingMember m : members) {
            List<TokenRange> owned = ring.rangesOwnedBy(m.nodeId());
            assertThat(owned).as("seed %d %s", seed, m.nodeId()).containsExactlyElementsOf(brute.ownedRanges(m.nodeId()));
            double share = owned.stream().mapToDouble(TokenRange::fraction).sum();
            assertThat(ring.ownership(m.nodeId())).as("seed %d %s", seed, m.nodeId()).isCloseTo(share, Offset.offset(1e-12));
            for (TokenRange r : owned) {
                assertThat(ring.primary(r.end())).as("seed %d %s", seed, r).isEqualTo(m.nodeId());
            }
            all.addAll(owned);
            ownershipSum += ring.ownership(m.nodeId());
        }
        assertThat(ownershipSum).as("seed %d", seed).isCloseTo(1.0, Offset.offset(1e-9));
        BigInteger total = all.stream().map(TokenRange::size).reduce(BigInteger.ZERO, BigInteger::add);
        assertThat(total).as("seed %d: widths sum to 2^64", seed).isEqualTo(RING_SIZE);
        all.sort(Comparator.comparingLong(TokenRange::end));
        for (int i = 0; i < all.size(); i++) {
            TokenRange prev = all.get(i == 0 ? all.size() - 1 : i - 1);
            assertThat(all.get(i).start()).as("seed %d: %s follows %s with no gap or overlap", seed, all.get(i), prev)
                    .isEqualTo(all.size() == 1 ? Long.MIN_VALUE : prev.end());
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void replicasOfARangeAreThePreferenceListOfEveryTokenInIt(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<RingMember> members = RandomRings.members(rnd, RandomRings.SMALL);
        RingSnapshot ring = RingSnapshot.of(members);
        for (RingMember m : members) {
            for (TokenRange range : ring.rangesOwnedBy(m.nodeId())) {
                int n = 1 + rnd.nextInt(5);
                List<String> replicas = ring.replicasOf(range, n);
                long inside = randomTokenIn(rnd, range);
                String what = String.format("seed %d range %s n %d", seed, range, n);
                assertThat(range.contains(inside)).as(what + " probe %d", inside).isTrue();
                assertThat(ring.preferenceList(inside, n)).as(what + " probe %d", inside).isEqualTo(replicas);
                assertThat(ring.preferenceList(range.end(), n)).as(what).isEqualTo(replicas);
                assertThat(ring.preferenceList(range.start() + 1, n)).as(what).isEqualTo(replicas);
                assertThat(ring.rangeOf(inside)).as(what).isEqualTo(range);
                assertThat(replicas.get(0)).as(what).isEqualTo(m.nodeId());
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void replicatedRangesAreWhereTheNodeIsInTheList(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<RingMember> members = RandomRings.members(rnd, RandomRings.SMALL);
        RingSnapshot ring = RingSnapshot.builder().addAll(members).precomputedReplicas(1 + rnd.nextInt(3)).build();
        int n = 1 + rnd.nextInt(5);
        BigInteger total = BigInteger.ZERO;
        for (RingMember m : members) {
            List<TokenRange> replicated = ring.rangesReplicatedBy(m.nodeId(), n);
            List<TokenRange> expected = new ArrayList<>();
            for (RingMember owner : members) {
                for (TokenRange r : ring.rangesOwnedBy(owner.nodeId())) {
                    if (ring.replicasOf(r, n).contains(m.nodeId())) {
                        expected.add(r);
                    }
                }
            }
            expected.sort(Comparator.comparingLong(TokenRange::end));
            assertThat(replicated).as("seed %d n %d %s", seed, n, m.nodeId()).containsExactlyElementsOf(expected);
            total = total.add(replicated.stream().map(TokenRange::size).reduce(BigInteger.ZERO, BigInteger::add));
        }
        assertThat(total).as("seed %d n %d: every token is replicated min(n, nodes) times", seed, n)
                .isEqualTo(RING_SIZE.multiply(BigInteger.valueOf(Math.min(n, members.size()))));
    }

    /** A uniform token of {@code range}: start + 1 + an unsigned offset below its size. */
    private static long randomTokenIn(SplittableRandom rnd, TokenRange range) {
        long size = range.end() - range.start();
        long offset = size == 0 ? rnd.nextLong() : Long.remainderUnsigned(rnd.nextLong(), size);
        return range.start() + 1 + offset;
    }

    @Test
    void aRangeThatStraddlesATokenIsRejected() {
        RingSnapshot ring = RingSnapshot.of(List.of(RingMember.of("a", "r1", 4), RingMember.of("b", "r2", 4)));
        List<TokenRange> owned = ring.rangesOwnedBy("a");
        TokenRange r = owned.get(0);
        assertThatThrownBy(() -> ring.replicasOf(new TokenRange(r.start() - 1, r.end()), 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("straddles");
        assertThatThrownBy(() -> ring.replicasOf(TokenRange.FULL_RING, 2))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(ring.replicasOf(new TokenRange(r.start(), r.start() + 1), 2)).isEqualTo(ring.replicasOf(r, 2));
    }

    @Test
    void aSingleTokenOwnsTheWholeRing() {
        RingSnapshot ring = RingSnapshot.of(List.of(RingMember.of("solo", "r1", 1)));
        assertThat(ring.rangesOwnedBy("solo")).containsExactly(TokenRange.FULL_RING);
        assertThat(ring.ownership("solo")).isEqualTo(1.0);
        assertThat(ring.replicasOf(TokenRange.FULL_RING, 3)).containsExactly("solo");
        assertThat(ring.rangesReplicatedBy("solo", 3)).containsExactly(TokenRange.FULL_RING);
        assertThat(ring.rangesOwnedBy("stranger")).isEmpty();
        assertThat(ring.ownership("stranger")).isZero();
    }
}
