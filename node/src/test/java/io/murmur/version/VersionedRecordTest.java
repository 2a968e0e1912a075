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
        VersionedRecord r = VersionedRecord.EMPTY.add(write("d", 1, VectorClock.EMPTY));
        Version v = r.nextVersion("d", ctx, V, 500, 2);
        assertThat(v.context().size()).isEqualTo(2);
        assertThat(v.context().counter("a")).isZero();
        assertThat(v.dot()).isEqualTo(new Dot("d", 2));
    }

    @Test
    void aFirstWriteThroughANodeKeepsItsClaimWhenTheContextIsPruned() {
        // The client's entries were updated later than this coordinator's clock says now.
        VectorClock ctx = VectorClock.EMPTY.increment("a", 1_000).increment("b", 2_000).increment("c", 3_000);
        Version v = VersionedRecord.EMPTY.nextVersion("d", ctx, V, 500, 2);
        assertThat(v.dot()).isEqualTo(new Dot("d", 500_001));
        assertThat(v.context().entries()).extracting(VectorClock.Entry::node).containsExactly("c", "d");
        assertThat(v.context().counter("d")).isEqualTo(500_000);
        assertThat(VersionedRecord.EMPTY.nextVersion("d", ctx, V, 500, 1).context())
                .isEqualTo(VectorClock.EMPTY.withAtLeast("d", 500_000, 500));
    }

    @Test
    void nextVersionCountsPastSupersededWritesKeptInContexts() {
        Version a1 = write("a", 1, VectorClock.EMPTY);
        Version b1 = write("b", 1, a1.history());
        VersionedRecord r = VersionedRecord.of(List.of(a1, b1));
        assertThat(r.siblings()).containsExactly(b1);
        // the record holds no sibling of a's, so a's counter is floored by its clock (1 ms)
        Version next = r.nextVersion("a", VectorClock.EMPTY, V, 1, 10);
        assertThat(next.dot()).isEqualTo(new Dot("a", 1_001));
        assertThat(next.supersedes(a1)).isTrue();
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

    // ------------------------------------------------------------------ counter floor

    /** A wall clock in milliseconds, as a node reads it: 2026-01-01. */
    private static final long NOW = 1_767_225_600_000L;
    private static final long GRACE = 864_000_000L;
    private static final byte[] W = {4, 5, 6};

    @Test
    void aWriteAfterAPurgeIsNotSwallowedByAnUnpurgedTombstoneOnAnotherReplica() {
        // Node a coordinated a:1..a:5 for the key, the last a delete, whose history covers them all.
        Version tombstone = Version.tombstone(new Dot("a", 5), VectorClock.EMPTY.withAtLeast("a", 4, NOW), NOW);
        VersionedRecord onB = VersionedRecord.EMPTY.add(tombstone); // replica b has not purged the key yet
        VersionedRecord onA = VersionedRecord.EMPTY; // node a has: its record holds no trace of a:1..a:5

        Version write = onA.nextVersion("a", VectorClock.EMPTY, W, NOW + GRACE, 32);

        assertThat(write.dot()).isEqualTo(new Dot("a", (NOW + GRACE) * 1000 + 1));
        assertThat(write.supersedes(tombstone)).isTrue();
        VersionedRecord merged = onB.add(write);
        assertThat(merged.siblings()).containsExactly(write);
        assertThat(merged.isDeleted()).isFalse();
        assertThat(merged.liveSiblings()).extracting(Version::value).containsExactly(W);
        assertThat(merged).isEqualTo(onA.add(write));
    }

    /**
     * The purged tombstone's dot must not come back through another writer's context: a
     * client that read the key before the delete writes through c after the purge, and c's
     * version names a:2 (from the client's context), not the purged a:3. Counting on from
     * a:2 would issue a:3 again, and a replica still holding the tombstone would take the
     * new value for it.
     */
    @Test
    void aWriteAfterAPurgeDoesNotReuseThePurgedTombstonesDotNamedByNoneOfTheRecordsSiblings() {
        VectorClock beforeTheDelete = VectorClock.EMPTY.withAtLeast("a", 2, NOW).withAtLeast("b", 1, NOW);
        Version tombstone = Version.tombstone(new Dot("a", 3), beforeTheDelete, NOW);
        VersionedRecord onB = VersionedRecord.EMPTY.add(tombstone); // b has not purged the key yet
        // a purged the tombstone; then c's write, made with the client's context from before the delete, arrived
        Version throughC = Version.value(new Dot("c", 1), beforeTheDelete, V, NOW + GRACE);
        VersionedRecord onA = VersionedRecord.EMPTY.add(throughC);

        Version write = onA.nextVersion("a", beforeTheDelete, W, NOW + GRACE + 1, 32);

        assertThat(write.dot()).isNotEqualTo(tombstone.dot());
        assertThat(write.dot()).isEqualTo(new Dot("a", (NOW + GRACE + 1) * 1000 + 1));
        assertThat(write.supersedes(tombstone)).isTrue();
        assertThat(write.supersedes(throughC)).isFalse();
        VersionedRecord mergedOnB = onB.add(throughC).add(write);
        assertThat(mergedOnB.siblings()).containsExactly(write, throughC);
        assertThat(mergedOnB).isEqualTo(onA.add(write));
    }

    @Test
    void aWriteAfterAPurgeOutcountsTheFloorOfTheWritesBeforeIt() {
        // The key's earlier life through a: a write at NOW (floored), an update, a delete.
        VersionedRecord onA = VersionedRecord.EMPTY;
        for (int i = 0; i < 3; i++) {
            byte[] value = i == 2 ? null : V;
            onA = onA.add(onA.nextVersion("a", onA.context(), value, NOW + i, 32));
        }
        assertThat(onA.isDeleted()).isTrue();
        Version tombstone = onA.siblings().get(0);
        assertThat(tombstone.dot()).isEqualTo(new Dot("a", NOW * 1000 + 3));

        Version write = VersionedRecord.EMPTY.nextVersion("a", VectorClock.EMPTY, W, NOW + GRACE, 32);
        assertThat(onA.add(write).siblings()).containsExactly(write);
    }

    @Test
    void countersContinueByOneWhenTheRecordHoldsTheNodesWrites() {
        Version first = VersionedRecord.EMPTY.nextVersion("a", VectorClock.EMPTY, V, NOW, 32);
        VersionedRecord r = VersionedRecord.EMPTY.add(first);

        // Later, even much later, writes through a go on from its last counter, with the client's context as given.
        Version second = r.nextVersion("a", r.context(), W, NOW + GRACE, 32);
        assertThat(second.dot()).isEqualTo(new Dot("a", first.dot().counter() + 1));
        assertThat(second.context()).isEqualTo(r.context());
        r = r.add(second);
        Version blind = r.nextVersion("a", VectorClock.EMPTY, V, NOW + GRACE + 1, 32);
        assertThat(blind.dot()).isEqualTo(new Dot("a", first.dot().counter() + 2));
        assertThat(blind.context()).isEqualTo(VectorClock.EMPTY);
        assertThat(r.add(blind).siblings()).containsExactly(second, blind);

        // Small counters from before the floor go on by one too.
        VersionedRecord old = VersionedRecord.EMPTY.add(write("a", 5, VectorClock.EMPTY.withAtLeast("a", 4, 100)));
        assertThat(old.nextVersion("a", old.context(), W, NOW, 32).dot()).isEqualTo(new Dot("a", 6));
    }

    @Test
    void theContextOfARecordHoldingAFloorVersionCoversItsDotAndAWriteWithItSupersedesIt() {
        VectorClock clientContext = VectorClock.EMPTY.withAtLeast("b", 7, NOW - 5);
        Version first = VersionedRecord.EMPTY.nextVersion("a", clientContext, V, NOW, 32);
        assertThat(first.context()).isEqualTo(clientContext.withAtLeast("a", NOW * 1000, NOW));
        VersionedRecord r = VersionedRecord.EMPTY.add(first); // on a, and on any replica that received it

        assertThat(r.context().covers(first.dot())).isTrue();
        assertThat(r.context().counter("a")).isEqualTo(first.dot().counter());
        assertThat(r.context().counter("b")).isEqualTo(7);

        Version throughB = r.nextVersion("b", r.context(), W, NOW + 1, 32);
        assertThat(throughB.supersedes(first)).isTrue();
        assertThat(r.add(throughB).siblings()).containsExactly(throughB);
        Version throughA = r.nextVersion("a", r.context(), W, NOW + 1, 32);
        assertThat(throughA.dot()).isEqualTo(new Dot("a", first.dot().counter() + 1));
        assertThat(r.add(throughA).siblings()).containsExactly(throughA);
    }

    @Test
    void aFirstWriteCountsPastTheClientsCounterWhenThatIsAboveTheFloor() {
        VectorClock clientContext = VectorClock.EMPTY.withAtLeast("a", NOW * 2000, NOW);
        Version v = VersionedRecord.EMPTY.nextVersion("a", clientContext, V, NOW, 32);
        assertThat(v.dot()).isEqualTo(new Dot("a", NOW * 2000 + 1));
        assertThat(v.context()).isEqualTo(clientContext);
    }

    /**
     * Intended: a node whose disk was wiped no longer knows its old writes, and its first
     * write for the key replaces the old versions it coordinated wherever they survive,
     * even without a context (where an ordinary write without context would become their
     * sibling). Restarting its count at 1 instead would have the new write dropped there:
     * a:3's context covers a:1. Other coordinators' versions stay.
     */
    @Test
    void aWipedNodesFirstWriteSupersedesAnOldVersionOfItsOwnAnotherReplicaStillHolds() {
        Version a3 = Version.value(new Dot("a", 3), VectorClock.EMPTY.withAtLeast("a", 2, 100), V, 100);
        Version b1 = write("b", 1, VectorClock.EMPTY);
        VersionedRecord onB = VersionedRecord.of(List.of(a3, b1));
        VersionedRecord wipedA = VersionedRecord.EMPTY;

        Version blind = wipedA.nextVersion("a", VectorClock.EMPTY, W, NOW, 32);

        assertThat(blind.supersedes(a3)).isTrue();
        assertThat(blind.supersedes(b1)).isFalse();
        assertThat(onB.add(blind).siblings()).containsExactly(blind, b1);
        assertThat(write("a", 1, VectorClock.EMPTY).compare(a3)).isEqualTo(Causality.BEFORE);
    }
}
