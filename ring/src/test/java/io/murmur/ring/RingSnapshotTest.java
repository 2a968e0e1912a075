package io.murmur.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Hand-made rings with chosen tokens: the rules spelled out as examples. */
class RingSnapshotTest {

    /** A ring whose members have exactly the given tokens. */
    private static RingSnapshot ring(Map<String, long[]> tokens, Map<String, String> racks) {
        RingSnapshot.Builder b = RingSnapshot.builder().tokenFunction((id, i) -> tokens.get(id)[i]);
        tokens.forEach((id, ts) -> b.add(RingMember.of(id, racks.getOrDefault(id, "r"), ts.length)));
        return b.build();
    }

    @Test
    void aKeyBelongsToTheFirstTokenAtOrAfterIt() {
        RingSnapshot r = ring(Map.of("a", new long[] {10}, "b", new long[] {20}, "c", new long[] {30}), Map.of());
        assertThat(r.primary(10)).isEqualTo("a");
        assertThat(r.primary(11)).isEqualTo("b");
        assertThat(r.primary(20)).isEqualTo("b");
        assertThat(r.primary(30)).isEqualTo("c");
        assertThat(r.primary(31)).isEqualTo("a");
        assertThat(r.primary(Long.MIN_VALUE)).isEqualTo("a");
        assertThat(r.primary(Long.MAX_VALUE)).isEqualTo("a");
        assertThat(r.preferenceList(25, 2)).containsExactly("c", "a");
        assertThat(r.preferenceList(25, 9)).containsExactly("c", "a", "b");
    }

    @Test
    void racksAreSpreadFirstThenFilledInRingOrder() {
        Map<String, long[]> tokens = Map.of("a1", new long[] {10}, "a2", new long[] {20}, "a3", new long[] {25},
                "b1", new long[] {30}, "c1", new long[] {40});
        Map<String, String> racks = Map.of("a1", "A", "a2", "A", "a3", "A", "b1", "B", "c1", "C");
        RingSnapshot r = ring(tokens, racks);
        assertThat(r.rackCount()).isEqualTo(3);
        assertThat(r.preferenceList(5, 1)).containsExactly("a1");
        assertThat(r.preferenceList(5, 2)).containsExactly("a1", "b1");
        assertThat(r.preferenceList(5, 3)).containsExactly("a1", "b1", "c1");
        assertThat(r.preferenceList(5, 4)).containsExactly("a1", "b1", "c1", "a2");
        assertThat(r.preferenceList(5, 5)).containsExactly("a1", "b1", "c1", "a2", "a3");
        assertThat(r.preferenceList(35, 3)).containsExactly("c1", "a1", "b1");

        RingSnapshot twoRacks = ring(Map.of("a1", new long[] {10}, "a2", new long[] {20}, "a3", new long[] {25},
                "b1", new long[] {30}), racks);
        assertThat(twoRacks.preferenceList(5, 3)).containsExactly("a1", "b1", "a2");
        assertThat(twoRacks.preferenceList(26, 3)).containsExactly("b1", "a1", "a2");
    }

    @Test
    void aCollidingTokenGoesToTheSmallerNodeId() {
        RingSnapshot r = ring(Map.of("b", new long[] {5, 50}, "a", new long[] {50, 7}), Map.of());
        assertThat(r.tokenCount()).isEqualTo(3);
        assertThat(r.primary(50)).isEqualTo("a");
        assertThat(r.tokensOf("a")).containsExactly(7, 50);
        assertThat(r.tokensOf("b")).containsExactly(5);
        RingSnapshot self = ring(Map.of("a", new long[] {9, 9, 3}), Map.of());
        assertThat(self.tokensOf("a")).containsExactly(3, 9);
    }

    @Test
    void aMemberThatLosesEveryTokenIsRejected() {
        assertThatThrownBy(() -> ring(Map.of("a", new long[] {5}, "b", new long[] {5}), Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("member b lost all");
    }

    @Test
    void changesBuildNewSnapshotsWithTheNextEpoch() {
        RingSnapshot r0 = RingSnapshot.builder().epoch(7).add(RingMember.of("a", "r1", 4)).build();
        RingSnapshot r1 = r0.withMember(RingMember.of("b", "r2", 4));
        RingSnapshot r2 = r1.withVnodes("b", 8);
        RingSnapshot r3 = r2.withWeight("a", 2);
        RingSnapshot r4 = r3.withoutMember("a");
        assertThat(List.of(r0.epoch(), r1.epoch(), r2.epoch(), r3.epoch(), r4.epoch())).containsExactly(7L, 8L, 9L, 10L, 11L);
        assertThat(r0.size()).isEqualTo(1);
        assertThat(r1.members()).extracting(RingMember::nodeId).containsExactly("a", "b");
        assertThat(r2.member("b").orElseThrow().vnodes()).isEqualTo(8);
        assertThat(r2.tokenCount()).isEqualTo(12);
        assertThat(r3.tokenCount()).isEqualTo(16);
        assertThat(r4.members()).extracting(RingMember::nodeId).containsExactly("b");
        assertThat(r0.tokenCount()).as("the old snapshot is untouched").isEqualTo(4);
        assertThatThrownBy(() -> r4.withVnodes("a", 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r4.withoutMember("a")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theBuilderValidates() {
        RingSnapshot.Builder b = RingSnapshot.builder().add(RingMember.of("a", "r", 1));
        assertThatThrownBy(() -> b.add(RingMember.of("a", "r", 2))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.epoch(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.precomputedReplicas(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.precomputedReplicas(RingSnapshot.MAX_PRECOMPUTED_REPLICAS + 1))
                .isInstanceOf(IllegalArgumentException.class);
        List<RingMember> tooMany = new ArrayList<>();
        for (int i = 0; i < RingSnapshot.MAX_TOKENS / RingMember.MAX_VNODES + 1; i++) {
            tooMany.add(RingMember.of("n" + i, "r", RingMember.MAX_VNODES));
        }
        assertThatThrownBy(() -> RingSnapshot.of(tooMany)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tokens");
        RingSnapshot ring = RingSnapshot.of(List.of(RingMember.of("a", "r", 2)));
        assertThatThrownBy(() -> ring.preferenceList(1L, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void resultsAreReadOnlyAndCopies() {
        RingSnapshot r = RingSnapshot.of(List.of(RingMember.of("a", "r1", 4), RingMember.of("b", "r2", 4)));
        List<String> list = r.preferenceList(1L, 2);
        assertThatThrownBy(() -> list.set(0, "x")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> list.add("x")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> r.members().clear()).isInstanceOf(UnsupportedOperationException.class);
        long[] tokens = r.tokensOf("a");
        tokens[0] = 0;
        assertThat(r.tokensOf("a")[0]).isNotEqualTo(0);
        assertThat(list).isEqualTo(r.preferenceList(1L, 2)).hasSameHashCodeAs(r.preferenceList(1L, 2));
    }

    @Test
    void anEmptyRingAnswersEmpty() {
        RingSnapshot r = RingSnapshot.empty();
        assertThat(r.isEmpty()).isTrue();
        assertThat(r.preferenceList(1L, 3)).isEmpty();
        assertThat(r.rangesOwnedBy("a")).isEmpty();
        assertThat(r.replicasOf(TokenRange.FULL_RING, 3)).isEmpty();
        assertThat(r.ownership("a")).isZero();
        assertThatThrownBy(() -> r.primary(1L)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void ownershipFollowsVnodesAndWeight() {
        List<RingMember> members = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            members.add(new RingMember("n" + i, "r", 256, i == 0 ? 3 : 1));
        }
        RingSnapshot r = RingSnapshot.of(members);
        // n0 holds 3 of 10 shares; with 768 tokens its share is within a few percent of 0.3.
        assertThat(r.ownership("n0")).isBetween(0.27, 0.33);
        assertThat(r.ownership("n1")).isBetween(0.08, 0.12);
    }
}
