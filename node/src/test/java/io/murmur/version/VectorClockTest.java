package io.murmur.version;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.murmur.version.Causality.AFTER;
import static io.murmur.version.Causality.BEFORE;
import static io.murmur.version.Causality.CONCURRENT;
import static io.murmur.version.Causality.EQUAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VectorClockTest {

    private static VectorClock clock(Object... nodeCounterStamp) {
        List<VectorClock.Entry> entries = new ArrayList<>();
        for (int i = 0; i < nodeCounterStamp.length; i += 3) {
            entries.add(new VectorClock.Entry((String) nodeCounterStamp[i],
                    ((Number) nodeCounterStamp[i + 1]).longValue(), ((Number) nodeCounterStamp[i + 2]).longValue()));
        }
        return VectorClock.of(entries);
    }

    @Test
    void emptyClocksAreEqualAndBeforeAnyNonEmptyClock() {
        VectorClock one = VectorClock.EMPTY.increment("a", 1);
        assertThat(VectorClock.EMPTY.compare(VectorClock.EMPTY)).isEqualTo(EQUAL);
        assertThat(VectorClock.EMPTY.compare(one)).isEqualTo(BEFORE);
        assertThat(one.compare(VectorClock.EMPTY)).isEqualTo(AFTER);
        assertThat(VectorClock.of(List.of())).isSameAs(VectorClock.EMPTY);
    }

    @Test
    void disjointClocksAreConcurrent() {
        assertThat(clock("a", 1, 0).compare(clock("b", 1, 0))).isEqualTo(CONCURRENT);
        assertThat(clock("a", 2, 0, "b", 1, 0).compare(clock("a", 1, 0, "b", 2, 0))).isEqualTo(CONCURRENT);
    }

    @Test
    void timestampsPlayNoPartInOrdering() {
        VectorClock early = clock("a", 3, 10, "b", 1, 10);
        VectorClock late = clock("a", 3, 99, "b", 1, 5);
        assertThat(early.compare(late)).isEqualTo(EQUAL);
        assertThat(early).isNotEqualTo(late);
    }

    @Test
    void mergeOfEqualCountersKeepsTheLaterTimestamp() {
        VectorClock m = clock("a", 3, 10).merge(clock("a", 3, 99));
        assertThat(m.entries()).containsExactly(new VectorClock.Entry("a", 3, 99));
    }

    @Test
    void mergeTakesTheTimestampOfTheLargerCounter() {
        VectorClock m = clock("a", 4, 10).merge(clock("a", 3, 99));
        assertThat(m.entries()).containsExactly(new VectorClock.Entry("a", 4, 10));
    }

    @Test
    void ofRejectsANodeNamedTwice() {
        assertThatThrownBy(() -> clock("a", 1, 0, "a", 2, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("twice");
    }

    @Test
    void entriesRejectEmptyNodesAndNonPositiveCounters() {
        assertThatThrownBy(() -> new VectorClock.Entry("", 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new VectorClock.Entry("a", 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new VectorClock.Entry("a", -5, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new VectorClock.Entry(null, 1, 0)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void incrementOfAnEmptyNodeIdIsRejected() {
        assertThatThrownBy(() -> VectorClock.EMPTY.increment("", 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void withAtLeastNeverLowersACounter() {
        VectorClock c = clock("a", 5, 10);
        assertThat(c.withAtLeast("a", 3, 99)).isSameAs(c);
        assertThat(c.withAtLeast("a", 7, 99).counter("a")).isEqualTo(7);
        assertThat(c.withAtLeast("b", 2, 99).counter("b")).isEqualTo(2);
        assertThatThrownBy(() -> c.withAtLeast("a", 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void coversMeansTheCounterReachesTheDot() {
        VectorClock c = clock("a", 5, 0);
        assertThat(c.covers(new Dot("a", 5))).isTrue();
        assertThat(c.covers(new Dot("a", 6))).isFalse();
        assertThat(c.covers(new Dot("b", 1))).isFalse();
    }

    @Test
    void pruneWithinTheBoundReturnsTheSameClock() {
        VectorClock c = clock("a", 1, 0, "b", 1, 0);
        assertThat(c.prune(2)).isSameAs(c);
        assertThatThrownBy(() -> c.prune(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void pruneDropsTheOldestUpdatedEntryAndBreaksTiesByNodeId() {
        VectorClock c = clock("a", 9, 100, "b", 1, 300, "c", 4, 200, "d", 2, 200);
        assertThat(c.prune(3).entries()).extracting(VectorClock.Entry::node).containsExactly("b", "c", "d");
        assertThat(c.prune(2).entries()).extracting(VectorClock.Entry::node).containsExactly("b", "c");
    }

    @Test
    void pruneKeepingANodeNeverDropsThatNodesEntry() {
        VectorClock c = clock("a", 9, 100, "b", 1, 300, "c", 4, 200, "d", 2, 200);
        assertThat(c.prune(3, "a").entries()).extracting(VectorClock.Entry::node).containsExactly("a", "b", "c");
        assertThat(c.prune(1, "a").entries()).containsExactly(new VectorClock.Entry("a", 9, 100));
        assertThat(c.prune(2, "b")).isEqualTo(c.prune(2));
        assertThat(c.prune(2, "x")).isEqualTo(c.prune(2));
        assertThat(c.prune(4, "a")).isSameAs(c);
        assertThatThrownBy(() -> c.prune(0, "a")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void equalClocksHaveEqualHashCodesAndReadableText() {
        VectorClock a = clock("b", 2, 1, "a", 1, 1);
        VectorClock b = clock("a", 1, 1, "b", 2, 1);
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).hasToString("{a:1, b:2}");
        assertThat(a.size()).isEqualTo(2);
        assertThat(VectorClock.EMPTY.isEmpty()).isTrue();
    }
}
