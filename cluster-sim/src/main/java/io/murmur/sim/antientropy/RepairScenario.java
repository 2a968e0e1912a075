package io.murmur.sim.antientropy;

import io.murmur.antientropy.AntiEntropySettings;
import io.murmur.proto.peer.PeerFrame;
import io.murmur.replication.Outcomes.Status;
import io.murmur.replication.Replication;
import io.murmur.replication.ReplicationSettings;
import io.murmur.sim.LinkModel;
import io.murmur.sim.RandomFaults;
import io.murmur.sim.Scenario;
import io.murmur.sim.Simulation;
import io.murmur.sim.replication.History;
import io.murmur.sim.replication.RepairTotals;
import io.murmur.sim.replication.ReplicaCluster;
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
 * Anti-entropy under random faults: clients write, delete and read a few hundred keys
 * through random nodes while crashes with restarts, pauses, partitions and bursts of
 * loss come and go, all drawn from one seed. Hints are kept for 5 s only, so a replica
 * down longer misses writes that only anti-entropy brings back.
 *
 * <p>Checked throughout: every read that succeeds reflects every write acknowledged
 * before it began ({@link History}: no acknowledged write lost, no deleted value back, no
 * dot used for two writes). Checked once the faults stop and every node runs again (the
 * clients stop too): within {@code limit} of virtual time, for every range, every
 * replica's Merkle root is the same (liveness); then, after the hint window has passed,
 * the roots are still the same, every tree equals one built afresh from its node's data,
 * every replica reflects every acknowledged write, and no hint is left.
 *
 * <p>Tombstones are kept for the default grace period (10 days), so none is purged
 * during a run; {@link Options#withTombstoneGraceMillis} shortens it.
 */
public final class RepairScenario {
    /**
     * @param nodes      cluster size
     * @param keys       keys the clients share
     * @param opGap      virtual time between client operations
     * @param faultsFor  how long faults (and clients) keep coming
     * @param meanGap    mean time between faults
     * @param limit      virtual time allowed to converge once the faults are over
     * @param settings   replication settings (short hint window and tombstone grace)
     * @param antiEntropy how the nodes run anti-entropy
     */
    public record Options(int nodes, int keys, Duration opGap, Duration faultsFor, Duration meanGap, Duration limit,
                          ReplicationSettings settings, AntiEntropySettings antiEntropy) {
        public static Options defaults() {
            ReplicationSettings d = ReplicationSettings.DEFAULTS;
            ReplicationSettings settings = new ReplicationSettings(d.n(), d.r(), d.w(), 500, false,
                    d.maxClockEntries(), 5_000, d.maxHintBytesPerTarget(), d.hintReplayBytesPerSecond(),
                    d.hintReplayIntervalMillis(), d.maxReadRepairsInFlight(), d.tombstoneGraceMillis());
            return new Options(5, 300, Duration.ofMillis(20), Duration.ofSeconds(60), Duration.ofSeconds(6),
                    Duration.ofSeconds(60), settings, ReplicaCluster.ANTI_ENTROPY);
        }

        public Options withFaultsFor(Duration value) {
            return new Options(nodes, keys, opGap, value, meanGap, limit, settings, antiEntropy);
        }

        public Options withNodes(int value) {
            return new Options(value, keys, opGap, faultsFor, meanGap, limit, settings, antiEntropy);
        }

        public Options withAntiEntropy(AntiEntropySettings value) {
            return new Options(nodes, keys, opGap, faultsFor, meanGap, limit, settings, value);
        }

        /** Tombstones purged after {@code value} (at least the hint window, 5 s) once a repair covered them. */
        public Options withTombstoneGraceMillis(long value) {
            ReplicationSettings s = settings;
            return new Options(nodes, keys, opGap, faultsFor, meanGap, limit, new ReplicationSettings(s.n(), s.r(),
                    s.w(), s.timeoutMillis(), s.hintsCountTowardW(), s.maxClockEntries(), s.hintWindowMillis(),
                    s.maxHintBytesPerTarget(), s.hintReplayBytesPerSecond(), s.hintReplayIntervalMillis(),
                    s.maxReadRepairsInFlight(), value), antiEntropy);
        }
    }

    /**
     * What one seed's run did and found.
     *
     * @param convergedSeconds virtual seconds from the end of the faults until every range's
     *                         replicas agreed (to a 0.1 s step); NaN if not within the limit
     * @param divergedAtEnd    the ranges (first few) whose replicas still differed at the limit
     * @param repairs          every repair session of the run
     * @param repairsToConverge the sessions from the end of the faults until convergence
     */
    public record Result(long seed, List<String> faults, List<String> violations, long writesAcked,
                         long deletesAcked, long readsChecked, Map<Status, Long> writeOutcomes,
                         Map<Status, Long> readOutcomes, long hintsStored, long hintsReplayed, long hintsExpired,
                         long readRepairs, long tombstonesPurged, RepairTotals repairs,
                         RepairTotals repairsToConverge, double convergedSeconds,
                         List<ReplicaCluster.Divergence> divergedAtEnd, long traceHash) {
        public boolean ok() {
            return violations.isEmpty();
        }

        public String summary() {
            return String.format(Locale.ROOT, "seed %d: %d faults, writes %s, reads %s, %d deletes acknowledged, "
                            + "%d reads checked, hints stored %d / replayed %d / expired %d, read repairs %d, "
                            + "tombstones purged %d; repair: %s; converged %s (%s); trace-hash %016x%s",
                    seed, faults.size(), writeOutcomes, readOutcomes, deletesAcked, readsChecked, hintsStored,
                    hintsReplayed, hintsExpired, readRepairs, tombstonesPurged, repairs,
                    Double.isNaN(convergedSeconds) ? "NOT" : String.format(Locale.ROOT,
                            "%.1f s after the faults", convergedSeconds), repairsToConverge, traceHash,
                    ok() ? "" : ", VIOLATED: " + violations.get(0));
        }
    }

    private RepairScenario() {
    }

    public static Result run(long seed, Options o) {
        LinkModel link = LinkModel.LAN;
        ReplicaCluster cluster = new ReplicaCluster(seed, link, o.nodes(), o.settings(), o.antiEntropy());
        Simulation<PeerFrame> sim = cluster.simulation();
        sim.runFor(Duration.ofSeconds(10)); // the cluster forms
        History history = new History();
        SplittableRandom random = new SplittableRandom(seed ^ 0xae5eedL);
        Map<Status, Long> writes = new EnumMap<>(Status.class);
        Map<Status, Long> reads = new EnumMap<>(Status.class);
        Map<String, VectorClock> contexts = new HashMap<>();
        long[] values = {0};
        long[] deletesAcked = {0};
        Scenario<PeerFrame> scenario = Scenario.on(sim);
        RandomFaults.Plan plan = RandomFaults.schedule(scenario, random.split(), o.faultsFor(), o.meanGap(), link);
        List<String> nodes = cluster.nodes();
        long ops = o.faultsFor().toNanos() / o.opGap().toNanos();
        for (long i = 0; i < ops; i++) {
            scenario.at(o.opGap().multipliedBy(i), "op", s -> {
                String node = nodes.get(random.nextInt(nodes.size()));
                String key = "k" + random.nextInt(o.keys());
                int what = random.nextInt(10);
                if (what < 5) {
                    long started = sim.now();
                    cluster.read(node, key, 0, result -> {
                        reads.merge(result.status(), 1L, Long::sum);
                        if (result.status() == Status.OK) {
                            history.readReturned(key, started, result.record(), node);
                            contexts.put(key, result.record().context());
                        }
                    });
                } else {
                    boolean delete = what == 9;
                    String value = delete ? null : "v" + (++values[0]);
                    VectorClock context = contexts.getOrDefault(key, VectorClock.EMPTY);
                    if (delete) {
                        history.deleteIssued(key, context);
                    }
                    cluster.write(node, key, context, value, 0, result -> {
                        writes.merge(result.status(), 1L, Long::sum);
                        if (result.status() == Status.OK) {
                            if (delete) {
                                history.acknowledgedDelete(key, result.dot(), context, sim.now());
                                deletesAcked[0]++;
                            } else {
                                history.acknowledged(key, result.dot(), sim.now(), value);
                            }
                        }
                    });
                }
            });
        }
        // faults are over: every node runs again and the network is whole
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
        scenario.run(o.faultsFor().plusSeconds(1));
        long quietAt = sim.now();
        RepairTotals atQuiet = cluster.repairTotals();
        long convergedAt = -1;
        while (sim.now() < quietAt + o.limit().toNanos()) {
            sim.runFor(Duration.ofMillis(100));
            if (cluster.divergences().isEmpty()) {
                convergedAt = sim.now();
                break;
            }
        }
        RepairTotals toConverge = cluster.repairTotals().since(atQuiet);
        List<ReplicaCluster.Divergence> diverged = cluster.divergences();
        if (!diverged.isEmpty()) {
            history.violation(String.format(Locale.ROOT, "replicas did not converge within %d s after the faults: "
                    + "%d ranges differ, e.g. %s", o.limit().toSeconds(), diverged.size(),
                    diverged.subList(0, Math.min(3, diverged.size()))));
        } else {
            // hints left for a node that just came back are replayed or expire meanwhile
            sim.runFor(Duration.ofMillis(o.settings().hintWindowMillis() + 1_000));
            List<ReplicaCluster.Divergence> again = cluster.divergences();
            if (!again.isEmpty()) {
                history.violation("replicas converged, then differed again with no client writing: "
                        + again.size() + " ranges, e.g. " + again.subList(0, Math.min(3, again.size())));
            }
        }
        List<String> unlike = cluster.treesUnlikeTheirData();
        if (!unlike.isEmpty()) {
            history.violation("Merkle trees that differ from their node's data: " + unlike);
        }
        for (String key : history.keys()) {
            for (String replica : cluster.replicasOf(key)) {
                VersionedRecord stored = cluster.stored(replica, key);
                String reused = history.reusedDot(key, stored);
                if (reused != null) {
                    history.violation("after the faults, replica " + replica + " holds a reused dot: " + reused);
                }
                for (History.Ack a : history.acked(key)) {
                    if (!history.satisfies(stored, a)) {
                        history.violation("after the faults, replica " + replica + " of " + key
                                + (a.isDelete() ? " holds a value deleted by " : " lacks write ") + a.dot()
                                + " (acknowledged at " + ReplicaCluster.seconds(a.ackedAtNanos()) + "): "
                                + stored.siblings());
                        break;
                    }
                }
            }
        }
        if (cluster.hintsHeld() > 0) {
            history.violation(cluster.hintsHeld() + " hints still held after the faults ended");
        }
        long stored = 0;
        long replayed = 0;
        long expired = 0;
        long repairs = 0;
        long purged = 0;
        for (String id : nodes) {
            Replication r = cluster.replication(id);
            if (r != null) {
                stored += r.stats().hintsStored.get();
                replayed += r.stats().hintsReplayed.get();
                expired += r.stats().hintsExpired.get();
                repairs += r.stats().readRepairs.get();
                purged += r.stats().tombstonesPurged.get();
            }
        }
        return new Result(seed, plan.faults(), List.copyOf(history.violations()),
                history.ackCount() - deletesAcked[0], deletesAcked[0], history.readsChecked(), writes, reads, stored,
                replayed, expired, repairs, purged, cluster.repairTotals(), toConverge,
                convergedAt < 0 ? Double.NaN : (convergedAt - quietAt) / 1e9,
                diverged.subList(0, Math.min(5, diverged.size())), sim.traceHash());
    }
}
