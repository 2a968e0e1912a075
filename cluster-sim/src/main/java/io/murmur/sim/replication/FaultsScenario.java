package io.murmur.sim.replication;

import io.murmur.replication.Outcomes.Status;
import io.murmur.replication.Replication;
import io.murmur.replication.ReplicationSettings;
import io.murmur.sim.LinkModel;
import io.murmur.sim.RandomFaults;
import io.murmur.sim.Scenario;
import io.murmur.sim.Simulation;
import io.murmur.version.VectorClock;
import io.murmur.version.VersionedRecord;

import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The randomized replication run: clients read and write a few keys through random nodes
 * while crashes with restarts, pauses, partitions and bursts of loss come and go, all
 * drawn from one seed. Checked throughout: every read that succeeds covers every write
 * acknowledged before it began (no acknowledged write lost; with r + w > n a later read
 * sees it or a successor). Checked once faults have stopped and hints have had time to
 * replay: after one read of each key through a live node (which repairs stale
 * replicas), every replica holds every acknowledged write, and no hint is left.
 */
public final class FaultsScenario {
    /**
     * @param nodes      cluster size
     * @param keys       keys the clients share (few, so writes collide)
     * @param opGap      virtual time between client operations
     * @param faultsFor  how long faults keep coming after the workload starts
     * @param meanGap    mean time between faults
     * @param quietFor   time after the faults for hints to replay
     */
    public record Options(int nodes, int keys, Duration opGap, Duration faultsFor, Duration meanGap,
                          Duration quietFor, ReplicationSettings settings) {
        public static Options defaults() {
            return new Options(5, 8, Duration.ofMillis(25), Duration.ofSeconds(60), Duration.ofSeconds(6),
                    Duration.ofSeconds(40), ReplicationSettings.DEFAULTS.withTimeoutMillis(500));
        }

        public Options withFaultsFor(Duration value) {
            return new Options(nodes, keys, opGap, value, meanGap, quietFor, settings);
        }
    }

    /** What one seed's run did and found. */
    public record Result(long seed, List<String> faults, List<String> violations, long writesAcked, long readsChecked,
                         Map<Status, Long> writeOutcomes, Map<Status, Long> readOutcomes, long hintsStored,
                         long hintsReplayed, long readRepairs, long traceHash) {
        public boolean ok() {
            return violations.isEmpty();
        }

        public String summary() {
            return String.format(Locale.ROOT, "seed %d: %d faults, writes %s, reads %s, %d reads checked, "
                            + "hints stored %d / replayed %d, read repairs %d, trace-hash %016x%s",
                    seed, faults.size(), writeOutcomes, readOutcomes, readsChecked, hintsStored, hintsReplayed,
                    readRepairs, traceHash, ok() ? "" : ", VIOLATED: " + violations.get(0));
        }
    }

    private FaultsScenario() {
    }

    public static Result run(long seed, Options o) {
        LinkModel link = LinkModel.LAN;
        ReplicaCluster cluster = new ReplicaCluster(seed, link, o.nodes(), o.settings());
        Simulation<?> sim = cluster.simulation();
        // let the cluster form before clients and faults start
        sim.runFor(Duration.ofSeconds(10));
        History history = new History();
        SplittableRandom random = new SplittableRandom(seed ^ 0x5eed5eedL);
        Map<Status, Long> writes = new EnumMap<>(Status.class);
        Map<Status, Long> reads = new EnumMap<>(Status.class);
        Map<String, VectorClock> contexts = new HashMap<>();
        long[] values = {0};
        @SuppressWarnings("unchecked")
        Scenario<io.murmur.proto.peer.PeerFrame> scenario = Scenario.on(cluster.simulation());
        RandomFaults.Plan plan = RandomFaults.schedule(scenario, random.split(), o.faultsFor(), o.meanGap(), link);
        long workloadEnd = o.faultsFor().plus(o.quietFor().dividedBy(2)).toNanos();
        long ops = workloadEnd / o.opGap().toNanos();
        List<String> nodes = cluster.nodes();
        for (long i = 0; i < ops; i++) {
            scenario.at(o.opGap().multipliedBy(i), "op", s -> {
                String node = nodes.get(random.nextInt(nodes.size()));
                String key = "k" + random.nextInt(o.keys());
                if (random.nextBoolean()) {
                    long started = sim.now();
                    cluster.read(node, key, 0, result -> {
                        reads.merge(result.status(), 1L, Long::sum);
                        if (result.status() == Status.OK) {
                            history.readReturned(key, started, result.record(), node);
                            contexts.put(key, result.record().context());
                        }
                    });
                } else {
                    String value = "v" + (++values[0]);
                    VectorClock context = contexts.getOrDefault(key, VectorClock.EMPTY);
                    cluster.write(node, key, context, value, 0, result -> {
                        writes.merge(result.status(), 1L, Long::sum);
                        if (result.status() == Status.OK) {
                            history.acknowledged(key, result.dot(), sim.now());
                        }
                    });
                }
            });
        }
        Duration total = o.faultsFor().plus(o.quietFor());
        // faults are over: make sure every node runs again and the network is whole
        scenario.at(o.faultsFor().plusSeconds(1), "all up", s -> {
            s.heal();
            s.setLink(link);
            for (String id : nodes) {
                if (s.state(id) == Simulation.NodeState.CRASHED) {
                    s.restart(id);
                } else if (s.state(id) == Simulation.NodeState.PAUSED) {
                    s.resume(id);
                }
            }
        });
        // one read of every key through a live node repairs the replicas it finds stale
        scenario.at(total, "read every key", s -> {
            for (int k = 0; k < o.keys(); k++) {
                String key = "k" + k;
                long started = sim.now();
                cluster.read(nodes.get(k % nodes.size()), key, o.settings().n(), result -> {
                    if (result.status() == Status.OK) {
                        history.readReturned(key, started, result.record(), "final read");
                    } else {
                        history.violation("final read of " + key + " with r=n after faults ended: "
                                + result.status() + " " + result.message());
                    }
                });
            }
        });
        scenario.run(total.plusSeconds(5));
        for (String key : history.keys()) {
            for (String replica : cluster.replicasOf(key)) {
                VersionedRecord stored = cluster.stored(replica, key);
                for (History.Ack a : history.acked(key)) {
                    if (!History.covers(stored, a.dot())) {
                        history.violation("after the faults, replica " + replica + " of " + key + " lacks write "
                                + a.dot() + " (acknowledged at " + ReplicaCluster.seconds(a.ackedAtNanos()) + ")");
                        break;
                    }
                }
            }
        }
        if (cluster.hintsHeld() > 0) {
            history.violation(cluster.hintsHeld() + " hints still held after the faults ended and "
                    + o.quietFor().toSeconds() + " s of quiet");
        }
        long stored = 0;
        long replayed = 0;
        long repairs = 0;
        for (String id : nodes) {
            Replication r = cluster.replication(id);
            if (r != null) {
                stored += r.stats().hintsStored.get();
                replayed += r.stats().hintsReplayed.get();
                repairs += r.stats().readRepairs.get();
            }
        }
        return new Result(seed, plan.faults(), List.copyOf(history.violations()), history.ackCount(),
                history.readsChecked(), writes, reads, stored, replayed, repairs, sim.traceHash());
    }
}
