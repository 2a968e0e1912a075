package io.murmur.sim.antientropy;

import io.murmur.antientropy.AntiEntropy;
import io.murmur.antientropy.AntiEntropySettings;
import io.murmur.storage.InMemoryStorage;
import io.murmur.version.Dot;
import io.murmur.version.VectorClock;
import io.murmur.version.Version;
import io.murmur.version.VersionedRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DivergentReplicasTest {
    private static final AntiEntropySettings SETTINGS = AntiEntropySettings.DEFAULTS.withDepth(8)
            .withIntervalMillis(0);

    @Test
    void onlyVersionsTheOtherSideNeitherHoldsNorSupersedesAreLacked() {
        byte[] value = new byte[10];
        VersionedRecord common = VersionedRecord.EMPTY.add(Version.value(new Dot("n1", 1), VectorClock.EMPTY, value,
                1));
        VersionedRecord newer = common.add(common.nextVersion("n2", common.context(), value, 2, 10));
        VersionedRecord other = common.add(common.nextVersion("n1", common.context(), value, 2, 10));

        assertThat(DivergentReplicas.lacked(common, newer)).isEqualTo(newer.siblings());
        assertThat(DivergentReplicas.lacked(newer, common)).as("superseded").isEmpty();
        assertThat(DivergentReplicas.lacked(common, common)).as("held").isEmpty();
        assertThat(DivergentReplicas.lacked(VersionedRecord.EMPTY, common)).isEqualTo(common.siblings());
        assertThat(DivergentReplicas.lacked(newer, other)).as("concurrent").isEqualTo(other.siblings());
        VersionedRecord both = newer.merge(other);
        assertThat(DivergentReplicas.lacked(newer, both)).isEqualTo(other.siblings());
        assertThat(DivergentReplicas.keyedRecordBytes(new byte[16], both.siblings()))
                .isGreaterThan(DivergentReplicas.keyedRecordBytes(new byte[16], List.of(both.siblings().get(0))));
    }

    @Test
    void divergesByTheShareAskedRepairsAndRestores() {
        InMemoryStorage a = new InMemoryStorage();
        InMemoryStorage b = new InMemoryStorage();
        DivergentReplicas data = new DivergentReplicas(3, 2_000, 64, a, b);
        assertThat(a.size()).isEqualTo(2_000);

        DivergentReplicas.Divergence d = data.diverge(0.05);
        assertThat(d.differing()).isEqualTo(100);
        assertThat(d.kinds().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(100);
        assertThat(d.kinds()).hasSize(DivergentReplicas.Kind.values().length);
        int concurrent = d.kinds().get(DivergentReplicas.Kind.CONCURRENT);
        assertThat(d.minimalRecords()).as("one record per differing key, two per concurrent one")
                .isEqualTo(100 + concurrent);
        assertThatThrownBy(data::verifyRepaired).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> data.diverge(0.1)).isInstanceOf(IllegalStateException.class);

        Map<String, InMemoryStorage> stores = new LinkedHashMap<>();
        stores.put("n1", a);
        stores.put("n2", b);
        RepairCluster cluster = new RepairCluster(SETTINGS, 16, stores);
        cluster.buildTrees();
        AntiEntropy core = cluster.replica("n1").core();
        AntiEntropy.Job job = core.repair(null);
        core.start();
        cluster.runUntil(job::isDone, Duration.ofMinutes(10));
        assertThat(job.sessionsFailed()).isZero();
        assertThat(job.rangesCompared()).isEqualTo(32);
        assertThat(job.bytes()).isGreaterThan(d.minimalBytes());
        assertThat(cluster.wire().recordBytes()).isGreaterThanOrEqualTo(d.minimalBytes());
        data.verifyRepaired();
        assertThat(cluster.replica("n1").roots()).isEqualTo(cluster.replica("n2").roots());

        data.restore();
        DivergentReplicas.Divergence none = data.diverge(0);
        data.verifyRepaired(); // restored: both hold every key's common record again
        assertThat(none.differing()).isZero();
        assertThat(none.minimalBytes()).isZero();
    }
}
