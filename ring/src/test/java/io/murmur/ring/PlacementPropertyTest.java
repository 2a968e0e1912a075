package io.murmur.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The sloppy lookup against a brute-force walk, and its properties. */
class PlacementPropertyTest {

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 60);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void matchesBruteForceAndBothFormsAgree(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        RandomRings.Case c = RandomRings.smallCase(rnd, seed);
        List<RingMember> members = c.members();
        RingSnapshot ring = c.ring();
        BruteForceRing brute = c.brute();
        Set<String> down = randomSubset(rnd, members);
        NodeSet downSet = ring.nodeSet(down);

        for (long token : RandomRings.probeTokens(rnd, brute, 150)) {
            int n = 1 + rnd.nextInt(members.size() + 2);
            BruteForceRing.Sloppy expected = brute.sloppy(token, n, down::contains);
            Placement fast = ring.placement(token, n, downSet);
            Placement general = ring.placement(token, n, down::contains);
            String what = String.format("seed %d token %d n %d down %s", seed, token, n, down);
            assertThat(fast.intended()).as(what + ": intended").containsExactlyElementsOf(expected.intended());
            assertThat(fast.healthy()).as(what + ": healthy").containsExactlyElementsOf(expected.healthy());
            assertThat(fast.standIns()).as(what + ": stand-ins").containsExactlyEntriesOf(expected.standIns());
            assertThat(general).as(what + ": predicate form").isEqualTo(fast);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void standInsAreHealthyDistinctAndCoverTheUnavailableReplicas(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<RingMember> members = RandomRings.members(rnd, RandomRings.SMALL);
        RingSnapshot ring = RingSnapshot.of(members);
        Set<String> down = randomSubset(rnd, members);
        NodeSet downSet = ring.nodeSet(down);
        for (int probe = 0; probe < 200; probe++) {
            long token = rnd.nextLong();
            int n = 1 + rnd.nextInt(5);
            Placement p = ring.placement(token, n, downSet);
            String what = String.format("seed %d token %d n %d down %s: %s", seed, token, n, down, p);
            List<String> intended = p.intended();
            List<String> healthy = p.healthy();

            assertThat(intended).as(what).isEqualTo(ring.preferenceList(token, n));
            assertThat(healthy).as(what).doesNotHaveDuplicates().noneMatch(down::contains);
            long upIntended = intended.stream().filter(x -> !down.contains(x)).count();
            long upTotal = members.size() - down.size();
            assertThat(p.healthyCount()).as(what).isEqualTo((int) Math.min(intended.size(), upTotal));
            assertThat(p.isComplete()).as(what).isEqualTo(p.healthyCount() == intended.size());
            assertThat(healthy.subList(0, (int) upIntended)).as(what + ": intended replicas kept first")
                    .containsExactlyElementsOf(intended.stream().filter(x -> !down.contains(x)).toList());
            List<String> covered = new ArrayList<>(p.standIns().values());
            assertThat(covered).as(what + ": each stand-in covers a distinct unavailable replica")
                    .doesNotHaveDuplicates().allMatch(down::contains).allMatch(intended::contains);
            for (int i = 0; i < p.healthyCount(); i++) {
                String node = p.healthy(i);
                assertThat(p.standsInFor(i)).as(what + " slot " + i)
                        .isEqualTo(intended.contains(node) ? null : p.standIns().get(node));
            }
            assertThat(p.hasStandIns()).as(what).isEqualTo(!p.standIns().isEmpty());
        }
    }

    @Test
    void withNothingUnavailableTheHealthyListIsTheIntendedOne() {
        RingSnapshot ring = RingSnapshot.of(List.of(RingMember.of("a", "r1", 16), RingMember.of("b", "r2", 16),
                RingMember.of("c", "r1", 16), RingMember.of("d", "r2", 16)));
        Placement p = ring.placement(123L, 3, ring.nodeSet(Set.of()));
        assertThat(p.healthy()).isEqualTo(p.intended()).isEqualTo(ring.preferenceList(123L, 3));
        assertThat(p.standIns()).isEmpty();
        assertThat(p.hasStandIns()).isFalse();
        assertThat(p.isComplete()).isTrue();
    }

    @Test
    void withEverythingUnavailableNothingIsHealthy() {
        RingSnapshot ring = RingSnapshot.of(List.of(RingMember.of("a", "r1", 4), RingMember.of("b", "r2", 4)));
        Placement p = ring.placement(7L, 2, id -> true);
        assertThat(p.intended()).hasSize(2);
        assertThat(p.healthy()).isEmpty();
        assertThat(p.isComplete()).isFalse();
        assertThat(p.hasStandIns()).isFalse();
    }

    @Test
    void aNodeSetFollowsVnodeChangesButNotMembershipChanges() {
        RingSnapshot ring = RingSnapshot.of(List.of(RingMember.of("a", "r1", 4), RingMember.of("b", "r2", 4),
                RingMember.of("c", "r3", 4)));
        NodeSet down = ring.nodeSet(List.of("b", "not-a-member"));
        assertThat(down.size()).isEqualTo(1);
        assertThat(down.contains("b")).isTrue();
        assertThat(down.contains("a")).isFalse();
        assertThat(down.contains("not-a-member")).isFalse();

        RingSnapshot resized = ring.withVnodes("a", 9);
        assertThat(resized.placement(1L, 3, down).healthy()).doesNotContain("b");
        RingSnapshot grown = ring.withMember(RingMember.of("d", "r1", 4));
        assertThatThrownBy(() -> grown.placement(1L, 3, down)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anEmptyRingPlacesNothing() {
        Placement p = RingSnapshot.empty().placement(1L, 3, id -> false);
        assertThat(p.intended()).isEmpty();
        assertThat(p.healthy()).isEmpty();
        assertThat(p.isComplete()).isTrue();
    }

    private static Set<String> randomSubset(SplittableRandom rnd, List<RingMember> members) {
        double share = rnd.nextDouble();
        Set<String> out = new HashSet<>();
        for (RingMember m : members) {
            if (rnd.nextDouble() < share) {
                out.add(m.nodeId());
            }
        }
        return out;
    }
}
