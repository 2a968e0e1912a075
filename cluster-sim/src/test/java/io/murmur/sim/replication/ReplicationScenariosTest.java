package io.murmur.sim.replication;

import io.murmur.replication.Outcomes.Status;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class ReplicationScenariosTest {
    private static final Duration WORKLOAD = Duration.ofSeconds(12);

    @Test
    void overlappingQuorumsNeverMissAnAcknowledgedWriteWithOneReplicaDown() {
        ConsistencyTable.Row row = ConsistencyTable.run(7, 2, 2, WORKLOAD);
        assertThat(row.readsAfterAck()).isGreaterThan(100);
        assertThat(row.staleReads()).isZero();
        assertThat(row.writes().get(Status.OK)).isGreaterThan(row.writes().getOrDefault(Status.TIMEOUT, 0L));
    }

    @Test
    void writeOneReadOneCanMissAWriteItJustAcknowledged() {
        ConsistencyTable.Row row = ConsistencyTable.run(7, 1, 1, WORKLOAD);
        assertThat(row.writesOk()).isGreaterThan(100);
        assertThat(row.staleReads()).isPositive();
    }

    @Test
    void writeAllFailsAndReadOneNeverMissesWhileAReplicaIsDown() {
        ConsistencyTable.Row row = ConsistencyTable.run(7, 3, 1, WORKLOAD);
        assertThat(row.writesOk()).isZero();
        assertThat(row.writes()).containsKeys(Status.TIMEOUT, Status.UNAVAILABLE);
        assertThat(row.staleReads()).isZero();
    }

    @Test
    void readAllFailsWhileAReplicaIsDown() {
        ConsistencyTable.Row row = ConsistencyTable.run(7, 1, 3, WORKLOAD);
        assertThat(row.writesOk()).isGreaterThan(100);
        assertThat(row.readsOk()).isZero();
        assertThat(row.reads()).containsKey(Status.UNAVAILABLE);
    }

    @Test
    void writesOnBothSidesOfAPartitionBecomeSiblingsThatAMergedWriteResolves() {
        PartitionScenario.Result r = PartitionScenario.run(3);
        assertThat(r.leftWrite().status()).isEqualTo(Status.OK);
        assertThat(r.rightWrite().status()).isEqualTo(Status.OK);
        assertThat(r.afterHeal().status()).isEqualTo(Status.OK);
        assertThat(ReplicaCluster.values(r.afterHeal().record())).containsExactlyInAnyOrder("left", "right");
        assertThat(r.resolvedWrite().status()).isEqualTo(Status.OK);
        assertThat(ReplicaCluster.values(r.afterResolve().record())).containsExactly("merged");
        assertThat(r.storedAtEnd()).allSatisfy(stored ->
                assertThat(ReplicaCluster.values(stored)).containsExactly("merged"));
    }

    @Test
    void hintsCarryWritesToAReplicaThatWasDownEvenWhenAStandInCrashesBeforeReplaying() {
        HandoffScenario.Result r = HandoffScenario.run(5, 60);
        assertThat(r.acknowledged()).isEqualTo(r.writes());
        assertThat(r.hintsForVictim()).isEqualTo(r.writes());
        assertThat(r.standIn()).isNotNull();
        assertThat(r.standInHints()).isPositive();
        assertThat(r.hintsAfterVictimBack()).as("the crashed stand-in still holds its hints")
                .isEqualTo(r.standInHints());
        assertThat(r.hintsAtEnd()).isZero();
        assertThat(r.missing()).isEmpty();
    }
}
