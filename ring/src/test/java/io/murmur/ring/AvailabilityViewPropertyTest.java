package io.murmur.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The precomputed sloppy lookup against the direct one ({@link RingSnapshot#placement}) at
 * every token position, and against the brute-force walk, over seeded random rings and
 * failure sets.
 */
class AvailabilityViewPropertyTest {

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 60);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void matchesTheDirectLookupAtEveryPositionAndTheBruteForceWalk(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        RandomRings.Case c = RandomRings.smallCase(rnd, seed);
        List<RingMember> members = c.members();
        RingSnapshot ring = c.ring();
        BruteForceRing brute = c.brute();
        Set<String> down = failureSet(rnd, members, seed);
        NodeSet downSet = ring.nodeSet(down);

        for (int n = 1; n <= Math.min(members.size() + 2, RingSnapshot.MAX_PRECOMPUTED_REPLICAS); n++) {
            AvailabilityView view = ring.availabilityView(downSet, n);
            String what = String.format("seed %d n %d down %s", seed, n, down);
            assertSameAsDirectEverywhere(ring, downSet, view, what);
            for (long token : RandomRings.probeTokens(rnd, brute, 20)) {
                BruteForceRing.Sloppy expected = brute.sloppy(token, n, down::contains);
                Placement p = view.placement(token);
                assertThat(p.intended()).as(what + " token " + token + ": intended")
                        .containsExactlyElementsOf(expected.intended());
                assertThat(p.healthy()).as(what + " token " + token + ": healthy")
                        .containsExactlyElementsOf(expected.healthy());
                assertThat(p.standIns()).as(what + " token " + token + ": stand-ins")
                        .containsExactlyEntriesOf(expected.standIns());
            }
        }
    }

    @Test
    void matchesTheDirectLookupForEveryFailureSetOfSmallRings() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int ringNo = 0; ringNo < 12; ringNo++) {
            int nodes = 1 + rnd.nextInt(6);
            int racks = 1 + rnd.nextInt(4);
            List<RingMember> members = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                members.add(RingMember.of("n" + i, "rack-" + rnd.nextInt(racks), 1 + rnd.nextInt(6)));
            }
            RingSnapshot ring = RingSnapshot.builder().addAll(members).precomputedReplicas(1 + rnd.nextInt(3))
                    .build();
            for (int mask = 0; mask < 1 << nodes; mask++) {
                Set<String> down = new HashSet<>();
                for (int i = 0; i < nodes; i++) {
                    if ((mask & (1 << i)) != 0) {
                        down.add("n" + i);
                    }
                }
                NodeSet downSet = ring.nodeSet(down);
                for (int n = 1; n <= nodes + 1; n++) {
                    assertSameAsDirectEverywhere(ring, downSet, ring.availabilityView(downSet, n),
                            String.format("ring %d %s n %d down %s", ringNo, members, n, down));
                }
            }
        }
    }

    @Test
    void matchesTheDirectLookupWithHalfOfAMidSizedRingFailed() {
        List<RingMember> members = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 128; i++) {
            members.add(RingMember.of("node-" + i, "rack-" + (i % 4), 64));
            ids.add("node-" + i);
        }
        RingSnapshot ring = RingSnapshot.of(members);
        SplittableRandom rnd = new SplittableRandom(128);
        Set<String> down = new HashSet<>();
        while (down.size() < 64) {
            down.add(ids.get(rnd.nextInt(ids.size())));
        }
        NodeSet downSet = ring.nodeSet(down);
        for (int n : new int[] {1, 3, 5}) {
            AvailabilityView view = ring.availabilityView(downSet, n);
            assertThat(view.isComplete()).isTrue();
            assertSameAsDirectEverywhere(ring, downSet, view, "n " + n);
        }
    }

    @Test
    void holdsMemberIndicesUpToTheMemberLimit() {
        List<RingMember> members = new ArrayList<>();
        Set<String> down = new HashSet<>();
        for (int i = 0; i < RingSnapshot.MAX_MEMBERS; i++) {
            members.add(RingMember.of(String.format("node-%05d", i), "rack-" + (i % 3), 1));
            if (i % 2 == 1) {
                down.add(String.format("node-%05d", i));
            }
        }
        RingSnapshot ring = RingSnapshot.of(members);
        NodeSet downSet = ring.nodeSet(down);
        assertSameAsDirectEverywhere(ring, downSet, ring.availabilityView(downSet, 3),
                "max members, odd ones down");
    }

    @Test
    void withNothingUnavailableEveryKeyGetsItsPreferenceList() {
        RingSnapshot ring = RingSnapshot.of(List.of(RingMember.of("a", "r1", 16), RingMember.of("b", "r2", 16),
                RingMember.of("c", "r1", 16), RingMember.of("d", "r2", 16)));
        AvailabilityView view = ring.availabilityView(ring.nodeSet(Set.of()), 3);
        for (long token : ring.tokensView()) {
            Placement p = view.placement(token);
            assertThat(p.healthy()).isEqualTo(p.intended()).isEqualTo(ring.preferenceList(token, 3));
            assertThat(p.standIns()).isEmpty();
            assertThat(p.hasStandIns()).isFalse();
            assertThat(p.isComplete()).isTrue();
        }
        assertThat(view.isComplete()).isTrue();
    }

    @Test
    void withEverythingUnavailableNothingIsHealthy() {
        RingSnapshot ring = RingSnapshot.of(List.of(RingMember.of("a", "r1", 4), RingMember.of("b", "r2", 4)));
        AvailabilityView view = ring.availabilityView(ring.nodeSet(List.of("a", "b")), 2);
        Placement p = view.placement(7L);
        assertThat(p.intended()).hasSize(2);
        assertThat(p.healthy()).isEmpty();
        assertThat(p.isComplete()).isFalse();
        assertThat(p.hasStandIns()).isFalse();
        assertThat(view.isComplete()).isFalse();
        assertSameAsDirectEverywhere(ring, view.unavailable(), view, "all down");
    }

    @Test
    void withFewerAvailableNodesThanReplicasEveryAvailableNodeIsUsed() {
        RingSnapshot ring = RingSnapshot.of(List.of(RingMember.of("a", "r1", 8), RingMember.of("b", "r2", 8),
                RingMember.of("c", "r3", 8), RingMember.of("d", "r1", 8), RingMember.of("e", "r2", 8)));
        NodeSet down = ring.nodeSet(List.of("a", "c", "e"));
        AvailabilityView view = ring.availabilityView(down, 3);
        assertThat(view.isComplete()).isFalse();
        for (long token : ring.tokensView()) {
            Placement p = view.placement(token);
            assertThat(p.healthy()).as("token %d", token).containsExactlyInAnyOrder("b", "d");
            assertThat(p.isComplete()).isFalse();
        }
        assertSameAsDirectEverywhere(ring, down, view, "3 of 5 down");
    }

    @Test
    void standInsIgnoreRacksWhileIntendedReplicasSpreadOverThem() {
        // Rack r1 holds only "a"; with "a" down its stand-in is the next available node
        // clockwise, whatever its rack, as in the direct lookup.
        RingSnapshot ring = RingSnapshot.of(List.of(RingMember.of("a", "r1", 8), RingMember.of("b", "r2", 8),
                RingMember.of("c", "r2", 8), RingMember.of("d", "r3", 8), RingMember.of("e", "r3", 8)));
        NodeSet down = ring.nodeSet(List.of("a"));
        AvailabilityView view = ring.availabilityView(down, 3);
        for (long token : ring.tokensView()) {
            Placement p = view.placement(token);
            assertThat(p.intended()).as("token %d", token).contains("a");
            assertThat(p.standIns()).as("token %d", token).hasSize(1).containsValue("a");
        }
        assertSameAsDirectEverywhere(ring, down, view, "rack r1 down");
    }

    @Test
    void replicasBeyondThePrecomputedWidthOrTheMemberCountAreServed() {
        List<RingMember> members = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            members.add(RingMember.of("n" + i, "rack-" + (i % 3), 5));
        }
        RingSnapshot ring = RingSnapshot.builder().addAll(members).precomputedReplicas(1).build();
        NodeSet down = ring.nodeSet(List.of("n1", "n4", "n5"));
        for (int n : new int[] {2, 4, 9, 12, 100}) {
            AvailabilityView view = ring.availabilityView(down, n);
            assertThat(view.replicas()).isEqualTo(n);
            assertSameAsDirectEverywhere(ring, down, view, "n " + n);
        }
    }

    @Test
    void aKeyIsPlacedByItsToken() {
        RingSnapshot ring = RingSnapshot.of(List.of(RingMember.of("a", "r1", 8), RingMember.of("b", "r2", 8),
                RingMember.of("c", "r3", 8), RingMember.of("d", "r1", 8)));
        NodeSet down = ring.nodeSet(List.of("b"));
        AvailabilityView view = ring.availabilityView(down, 3);
        byte[] key = "user:42".getBytes(StandardCharsets.UTF_8);
        assertThat(view.placement(key)).isEqualTo(view.placement(Token.of(key)))
                .isEqualTo(ring.placement(key, 3, down));
        assertThat(view.snapshot()).isSameAs(ring);
        assertThat(view.unavailable()).isSameAs(down);
    }

    @Test
    void anEmptyRingPlacesNothing() {
        RingSnapshot ring = RingSnapshot.empty();
        Placement p = ring.availabilityView(ring.nodeSet(Set.of()), 3).placement(1L);
        assertThat(p.intended()).isEmpty();
        assertThat(p.healthy()).isEmpty();
        assertThat(p.isComplete()).isTrue();
    }

    @Test
    void rejectsANodeSetOfAnotherRingAndUnservableReplicaCounts() {
        List<RingMember> members = new ArrayList<>();
        for (int i = 0; i < RingSnapshot.MAX_PRECOMPUTED_REPLICAS + 1; i++) {
            members.add(RingMember.of("n" + i, "r", 2));
        }
        RingSnapshot ring = RingSnapshot.of(members);
        NodeSet none = ring.nodeSet(Set.of());
        RingSnapshot grown = ring.withMember(RingMember.of("extra", "r", 2));
        assertThatThrownBy(() -> grown.availabilityView(none, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ring.availabilityView(none, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ring.availabilityView(none, RingSnapshot.MAX_PRECOMPUTED_REPLICAS + 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(ring.availabilityView(none, RingSnapshot.MAX_PRECOMPUTED_REPLICAS).placement(5L).healthyCount())
                .isEqualTo(RingSnapshot.MAX_PRECOMPUTED_REPLICAS);
        assertThat(ring.withVnodes("n0", 3).availabilityView(none, 3).placement(5L).healthyCount()).isEqualTo(3);
    }

    /** Probes every token, the token after it, and the extremes: every position and every wrap. */
    private static void assertSameAsDirectEverywhere(RingSnapshot ring, NodeSet down, AvailabilityView view,
                                                     String what) {
        List<Long> probes = new ArrayList<>(List.of(Long.MIN_VALUE, Long.MAX_VALUE, 0L));
        for (long t : ring.tokensView()) {
            probes.add(t);
            probes.add(t + 1);
        }
        int n = view.replicas();
        for (long token : probes) {
            Placement expected = ring.placement(token, n, down);
            Placement actual = view.placement(token);
            String at = what + " token " + token;
            assertThat(actual).as(at).isEqualTo(expected);
            assertThat(actual.healthyCount()).as(at).isEqualTo(expected.healthyCount());
            assertThat(actual.intendedCount()).as(at).isEqualTo(expected.intendedCount());
            assertThat(actual.hasStandIns()).as(at).isEqualTo(expected.hasStandIns());
            assertThat(actual.isComplete()).as(at).isEqualTo(expected.isComplete());
            for (int i = 0; i < actual.healthyCount(); i++) {
                assertThat(actual.healthy(i)).as(at + " slot " + i).isEqualTo(expected.healthy(i));
                assertThat(actual.standsInFor(i)).as(at + " slot " + i).isEqualTo(expected.standsInFor(i));
            }
        }
    }

    /** Seeds cycle through none failed, all failed, all but one failed, and a random share. */
    private static Set<String> failureSet(SplittableRandom rnd, List<RingMember> members, long seed) {
        Set<String> out = new HashSet<>();
        switch ((int) (seed % 5)) {
            case 0 -> { }
            case 1 -> members.forEach(m -> out.add(m.nodeId()));
            case 2 -> members.subList(1, members.size()).forEach(m -> out.add(m.nodeId()));
            default -> {
                double share = rnd.nextDouble();
                for (RingMember m : members) {
                    if (rnd.nextDouble() < share) {
                        out.add(m.nodeId());
                    }
                }
            }
        }
        return out;
    }
}
