package io.murmur.version;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VersionedRecordTest {
    private static final byte[] V = {1, 2, 3};

    private static Version write(String node, long counter, VectorClock context) {
        return Version.value(new Dot(node, counter), context, V, 100);
    }

    @Test
    void emptyRecordHasNoSiblingsAndAnEmptyContext() {
        assertThat(VersionedRecord.EMPTY.isEmpty()).isTrue();
        assertThat(VersionedRecord.EMPTY.isDeleted()).isFalse();
        assertThat(VersionedRecord.EMPTY.context()).isEqualTo(VectorClock.EMPTY);
        assertThat(VersionedRecord.of(List.of())).isEqualTo(VersionedRecord.EMPTY);
    }

    @Test
    void addingAKnownVersionReturnsTheSameRecord() {
        Version v = write("a", 1, VectorClock.EMPTY);
        VersionedRecord r = VersionedRecord.EMPTY.add(v);
        assertThat(r.add(v)).isSameAs(r);
    }

    @Test
    void addingASupersededVersionReturnsTheSameRecord() {
        Version old = write("a", 1, VectorClock.EMPTY);
        Version newer = write("a", 2, old.history());
        VersionedRecord r = VersionedRecord.EMPTY.add(newer);
        assertThat(r.add(old)).isSameAs(r);
        assertThat(VersionedRecord.EMPTY.add(old).add(newer).siblings()).containsExactly(newer);
    }

    @Test
    void writesWithoutContextThroughOneNodeStaySiblings() {
        Version first = write("a", 1, VectorClock.EMPTY);
        Version second = write("a", 2, VectorClock.EMPTY);
        VersionedRecord r = VersionedRecord.of(List.of(second, first));
        assertThat(r.siblings()).containsExactly(first, second);
    }

    @Test
    void aDeleteThatSeesEverythingLeavesOnlyATombstone() {
        VersionedRecord r = VersionedRecord.of(List.of(write("a", 1, VectorClock.EMPTY), write("b", 1, VectorClock.EMPTY)));
        Version delete = r.nextVersion("c", r.context(), null, 200, 10);
        VersionedRecord deleted = r.add(delete);
        assertThat(deleted.isDeleted()).isTrue();
        assertThat(deleted.liveSiblings()).isEmpty();
        assertThat(deleted.siblings()).containsExactly(delete);
    }

    @Test
    void aTombstoneConcurrentWithAValueLeavesTheValueLive() {
        Version value = write("a", 1, VectorClock.EMPTY);
        Version tomb = Version.tombstone(new Dot("b", 1), VectorClock.EMPTY, 100);
        VersionedRecord r = VersionedRecord.of(List.of(value, tomb));
        assertThat(r.isDeleted()).isFalse();
        assertThat(r.liveSiblings()).containsExactly(value);
    }

    @Test
    void nextVersionPrunesTheClientContextToTheBound() {
        VectorClock ctx = VectorClock.EMPTY.increment("a", 1).increment("b", 2).increment("c", 3);
        Version v = VersionedRecord.EMPTY.nextVersion("d", ctx, V, 500, 2);
        assertThat(v.context().size()).isEqualTo(2);
        assertThat(v.context().counter("a")).isZero();
        assertThat(v.dot()).isEqualTo(new Dot("d", 1));
    }

    @Test
    void nextVersionCountsPastSupersededWritesKeptInContexts() {
        Version a1 = write("a", 1, VectorClock.EMPTY);
        Version b1 = write("b", 1, a1.history());
        VersionedRecord r = VersionedRecord.of(List.of(a1, b1));
        assertThat(r.siblings()).containsExactly(b1);
        assertThat(r.nextVersion("a", VectorClock.EMPTY, V, 1, 10).dot()).isEqualTo(new Dot("a", 2));
    }

    @Test
    void weightGrowsWithValuesAndSiblings() {
        Version small = write("a", 1, VectorClock.EMPTY);
        Version big = Version.value(new Dot("b", 1), VectorClock.EMPTY, new byte[1000], 1);
        VersionedRecord one = VersionedRecord.EMPTY.add(small);
        VersionedRecord two = one.add(big);
        assertThat(VersionedRecord.EMPTY.weightBytes()).isPositive();
        assertThat(one.weightBytes()).isGreaterThan(VersionedRecord.EMPTY.weightBytes());
        assertThat(two.weightBytes()).isGreaterThanOrEqualTo(one.weightBytes() + 1000);
    }

    @Test
    void versionComparesByDotAndContext() {
        Version a1 = write("a", 1, VectorClock.EMPTY);
        Version b1 = write("b", 1, a1.history());
        Version c1 = write("c", 1, VectorClock.EMPTY);
        assertThat(b1.compare(a1)).isEqualTo(Causality.AFTER);
        assertThat(a1.compare(b1)).isEqualTo(Causality.BEFORE);
        assertThat(a1.compare(c1)).isEqualTo(Causality.CONCURRENT);
        assertThat(a1.compare(a1)).isEqualTo(Causality.EQUAL);
        assertThat(a1.supersedes(a1)).isFalse();
        assertThat(b1.history().covers(b1.dot())).isTrue();
        assertThat(b1.context().covers(b1.dot())).isFalse();
    }

    @Test
    void dotsRejectEmptyNodesAndNonPositiveCounters() {
        assertThatThrownBy(() -> new Dot("", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Dot("a", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new Dot("a", 3)).hasToString("a:3");
    }

    @Test
    void contextDoesNotClaimAnEarlierWriteTheRecordHasNotSeen() {
        // Node a held a:1 as a sibling when a client without context wrote a:2 through it.
        Version a1 = write("a", 1, VectorClock.EMPTY);
        Version a2 = write("a", 2, VectorClock.EMPTY);
        VersionedRecord coordinator = VersionedRecord.of(List.of(a1, a2));
        VersionedRecord replicaWithOnlyA2 = VersionedRecord.EMPTY.add(a2);

        assertThat(coordinator.context().counter("a")).isEqualTo(2);
        assertThat(replicaWithOnlyA2.context().counter("a")).isZero();

        // A client reading the gapped replica must not overwrite a:1, which it never saw.
        Version w = replicaWithOnlyA2.nextVersion("b", replicaWithOnlyA2.context(), V, 200, 10);
        assertThat(coordinator.add(w).siblings()).containsExactly(a1, a2, w);
        // Once the replica has caught up, its context covers both.
        assertThat(replicaWithOnlyA2.merge(coordinator).context().counter("a")).isEqualTo(2);
    }

    @Test
    void contextExtendsOverAContiguousRunOfDotsAfterTheCoveredPrefix() {
        Version a3 = write("a", 3, VectorClock.EMPTY.withAtLeast("a", 2, 0));
        Version a4 = write("a", 4, VectorClock.EMPTY);
        Version a6 = write("a", 6, VectorClock.EMPTY);
        VersionedRecord r = VersionedRecord.of(List.of(a3, a4, a6));
        assertThat(r.siblings()).containsExactly(a3, a4, a6);
        assertThat(r.context().counter("a")).isEqualTo(4);
    }
}
