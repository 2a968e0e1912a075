package io.murmur.sim.replication;

import io.murmur.replication.Outcomes.ReadResult;
import io.murmur.replication.Outcomes.Status;
import io.murmur.replication.Outcomes.WriteResult;
import io.murmur.replication.ReplicationSettings;
import io.murmur.sim.LinkModel;
import io.murmur.version.VectorClock;
import io.murmur.version.VersionedRecord;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Writes on both sides of a partition: three nodes, every one a replica of the key;
 * {@code n1} is cut off from {@code n2} and {@code n3}, and each side writes the key with
 * w = 1 without having seen the other's write. After the heal (and the hints each side
 * kept for the other) a read returns both values as siblings, and a write carrying that
 * read's context resolves them into one.
 */
public final class PartitionScenario {
    /**
     * What the run saw.
     *
     * @param leftWrite      the write on n1's side
     * @param rightWrite     the write on the n2/n3 side
     * @param afterHeal      a read with r = 3 after the heal
     * @param resolvedWrite  the write carrying afterHeal's context
     * @param afterResolve   a read with r = 3 after it
     * @param storedAtEnd    each replica's record at the end
     */
    public record Result(WriteResult leftWrite, WriteResult rightWrite, ReadResult afterHeal,
                         WriteResult resolvedWrite, ReadResult afterResolve, List<VersionedRecord> storedAtEnd) {
    }

    private PartitionScenario() {
    }

    public static Result run(long seed) {
        ReplicaCluster cluster = new ReplicaCluster(seed, LinkModel.LAN, 3,
                ReplicationSettings.DEFAULTS.withTimeoutMillis(500));
        var sim = cluster.simulation();
        sim.runFor(Duration.ofSeconds(10));
        String key = "cart";
        AtomicReference<WriteResult> left = new AtomicReference<>();
        AtomicReference<WriteResult> right = new AtomicReference<>();
        AtomicReference<ReadResult> healed = new AtomicReference<>();
        AtomicReference<WriteResult> resolved = new AtomicReference<>();
        AtomicReference<ReadResult> after = new AtomicReference<>();
        sim.partition(List.of("n1"));
        sim.runFor(Duration.ofSeconds(1));
        cluster.write("n1", key, VectorClock.EMPTY, "left", 1, left::set);
        cluster.write("n2", key, VectorClock.EMPTY, "right", 1, right::set);
        sim.runFor(Duration.ofSeconds(10));
        sim.heal();
        // membership sees both sides alive again, hints replay
        sim.runFor(Duration.ofSeconds(15));
        cluster.read("n3", key, 3, healed::set);
        sim.runFor(Duration.ofSeconds(1));
        ReadResult read = healed.get();
        if (read != null && read.status() == Status.OK) {
            cluster.write("n2", key, read.record().context(), "merged", 3, resolved::set);
            sim.runFor(Duration.ofSeconds(1));
            cluster.read("n1", key, 3, after::set);
            sim.runFor(Duration.ofSeconds(1));
        }
        return new Result(left.get(), right.get(), healed.get(), resolved.get(), after.get(),
                List.of(cluster.stored("n1", key), cluster.stored("n2", key), cluster.stored("n3", key)));
    }
}
