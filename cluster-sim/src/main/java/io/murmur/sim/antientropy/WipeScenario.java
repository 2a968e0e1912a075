package io.murmur.sim.antientropy;

import io.murmur.antientropy.AntiEntropy;
import io.murmur.replication.Outcomes.Status;
import io.murmur.replication.ReplicationSettings;
import io.murmur.sim.LinkModel;
import io.murmur.sim.Simulation;
import io.murmur.sim.replication.History;
import io.murmur.sim.replication.RepairTotals;
import io.murmur.sim.replication.ReplicaCluster;
import io.murmur.version.VectorClock;
import io.murmur.version.VersionedRecord;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A replaced disk: a cluster (N = 3) holds a few thousand keys written with W = 2; one
 * replica, drawn from the seed among the nodes other than the seed node, loses its disk
 * and comes back empty. Anti-entropy alone refills it (no client reads, so no read
 * repair; its hints were on the lost disk): either the other replicas' scheduled
 * sessions, or also an on-demand {@code repair(null)} run on the wiped node once it knows
 * the ring. Converged means: for every range, every replica's Merkle root is the same,
 * every tree equals one built afresh from its node's data, and every replica of every key
 * holds the same record, which covers every acknowledged write.
 */
public final class WipeScenario {
    /**
     * @param nodes    cluster size (at least 3)
     * @param keys     keys written before the wipe
     * @param onDemand whether the wiped node also runs {@code repair(null)} once it can
     * @param limit    virtual time allowed to converge after the wipe
     */
    public record Options(int nodes, int keys, boolean onDemand, Duration limit) {
        public static Options defaults() {
            return new Options(5, 3000, true, Duration.ofSeconds(120));
        }

        public Options withOnDemand(boolean value) {
            return new Options(nodes, keys, value, limit);
        }

        public Options withNodes(int value) {
            return new Options(value, keys, onDemand, limit);
        }

        public Options withKeys(int value) {
            return new Options(nodes, value, onDemand, limit);
        }
    }

    /**
     * What the run saw.
     *
     * @param victim            the wiped node
     * @param acknowledged      writes acknowledged (of {@code options.keys()})
     * @param divergedBefore    ranges whose replicas differed just before the wipe (0: they all agreed)
     * @param keysBefore        keys the victim held before the wipe
     * @param keysAfter         keys it held at the end
     * @param repairs           repair sessions from the wipe to convergence, over the whole cluster
     * @param job               the on-demand repair's figures, or null
     * @param convergedSeconds  virtual seconds from the wipe until every range agreed (to a 0.1 s step),
     *                          NaN if not within the limit
     * @param divergedAtEnd     ranges still differing at the end (first few)
     * @param mismatches        trees unlike their node's data at the end, and keys whose replicas
     *                          hold different records or lack an acknowledged write (first few)
     */
    public record Result(long seed, Options options, String victim, long acknowledged, int divergedBefore,
                         long keysBefore, long keysAfter, RepairTotals repairs, String job, double convergedSeconds,
                         List<ReplicaCluster.Divergence> divergedAtEnd, List<String> mismatches, long traceHash) {
        public boolean converged() {
            return divergedAtEnd.isEmpty() && mismatches.isEmpty() && !Double.isNaN(convergedSeconds);
        }

        public String summary() {
            return String.format(Locale.ROOT, "seed %d: %d nodes, %d of %d writes acknowledged; %s wiped "
                            + "(held %d keys), %s repair; %s; %s; converged %s, %s holds %d keys; trace-hash %016x",
                    seed, options.nodes(), acknowledged, options.keys(), victim, keysBefore,
                    options.onDemand() ? "on-demand and scheduled" : "scheduled", repairs,
                    job == null ? "no on-demand job" : "on-demand job: " + job,
                    Double.isNaN(convergedSeconds) ? "NOT within " + options.limit().toSeconds() + " s"
                            : String.format(Locale.ROOT, "%.1f s after the wipe", convergedSeconds),
                    victim, keysAfter, traceHash)
                    + (divergedAtEnd.isEmpty() ? "" : "; ranges differing: " + divergedAtEnd)
                    + (mismatches.isEmpty() ? "" : "; records differing: " + mismatches);
        }
    }

    private WipeScenario() {
    }

    public static Result run(long seed, Options o) {
        if (o.nodes() < 3) {
            throw new IllegalArgumentException("at least 3 nodes (N=3): " + o.nodes());
        }
        ReplicationSettings settings = ReplicationSettings.DEFAULTS.withTimeoutMillis(500);
        ReplicaCluster cluster = new ReplicaCluster(seed, LinkModel.LAN, o.nodes(), settings);
        Simulation<?> sim = cluster.simulation();
        sim.runFor(Duration.ofSeconds(10));
        History history = new History();
        List<String> nodes = cluster.nodes();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < o.keys(); i++) {
            String key = "key-" + i;
            keys.add(key);
            cluster.write(nodes.get(i % nodes.size()), key, VectorClock.EMPTY, "value-" + i, 2, r -> {
                if (r.status() == Status.OK) {
                    history.acknowledged(key, r.dot(), sim.now());
                }
            });
            sim.runFor(Duration.ofMillis(2));
        }
        // the third copies land, and a scheduled round or two finds nothing to do
        sim.runFor(Duration.ofSeconds(5));
        int divergedBefore = cluster.divergences().size();
        String victim = nodes.get(1 + new SplittableRandom(seed).nextInt(nodes.size() - 1));
        long keysBefore = cluster.data(victim).size();
        RepairTotals before = cluster.repairTotals();
        long wipedAt = sim.now();
        cluster.wipe(victim);
        AntiEntropy.Job job = null;
        long convergedAt = -1;
        long end = wipedAt + o.limit().toNanos();
        while (sim.now() < end) {
            sim.runFor(Duration.ofMillis(100));
            AntiEntropy core = cluster.antiEntropy(victim);
            if (o.onDemand() && job == null && cluster.replicaNode(victim).membership().settled()) {
                job = core.repair(null);
            }
            if (cluster.divergences().isEmpty()) {
                convergedAt = sim.now();
                break;
            }
        }
        RepairTotals repairs = cluster.repairTotals().since(before);
        List<ReplicaCluster.Divergence> diverged = cluster.divergences();
        List<String> mismatches = new ArrayList<>();
        for (String stale : cluster.treesUnlikeTheirData()) {
            mismatches.add("the tree of " + stale + " differs from the data");
        }
        for (String key : keys) {
            VersionedRecord first = null;
            for (String replica : cluster.replicasOf(key)) {
                VersionedRecord stored = cluster.stored(replica, key);
                if (first == null) {
                    first = stored;
                } else if (!stored.equals(first) && mismatches.size() < 5) {
                    mismatches.add(key + " differs on " + replica);
                }
                for (History.Ack a : history.acked(key)) {
                    if (!History.covers(stored, a.dot()) && mismatches.size() < 5) {
                        mismatches.add(key + " on " + replica + " lacks acknowledged write " + a.dot());
                    }
                }
            }
        }
        String jobText = job == null ? null : String.format(Locale.ROOT,
                "%s%s, %d ranges, %d differing, %d keys received, %d sent, %s", job.progress(),
                job.isDone() ? "" : " (running)", job.ranges(), job.rangesDiffering(), job.keysReceived(),
                job.keysSent(), RepairTotals.bytes(job.bytes()));
        return new Result(seed, o, victim, history.ackCount(), divergedBefore, keysBefore,
                cluster.data(victim).size(), repairs, jobText,
                convergedAt < 0 ? Double.NaN : (convergedAt - wipedAt) / 1e9,
                diverged.subList(0, Math.min(5, diverged.size())), mismatches, sim.traceHash());
    }
}
