package io.murmur.sim.replication;

import io.murmur.replication.Outcomes.Status;
import io.murmur.replication.ReplicationSettings;
import io.murmur.runtime.HintStore;
import io.murmur.sim.LinkModel;
import io.murmur.version.VectorClock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A replica down for a while: five nodes, N = 3, W = 2. {@code n3} crashes; once the
 * others hold it DOWN, clients write keys it replicates, and each write's third copy goes
 * to a stand-in as a hint. Then one stand-in holding hints crashes too, {@code n3} comes
 * back and takes the hints of the stand-ins still up, and the crashed stand-in replays its
 * hints after its own restart. At the end every replica holds every acknowledged write
 * and no hint is left. Scheduled anti-entropy is off, so what reaches {@code n3} is what
 * the hints carried.
 */
public final class HandoffScenario {
    /**
     * What the run saw.
     *
     * @param writes          writes attempted while n3 was down
     * @param acknowledged    of those, acknowledged
     * @param hintsForVictim  hints held for n3 just before it came back, over all nodes
     * @param standIn         the stand-in that crashed while holding hints
     * @param standInHints    hints it held when it crashed
     * @param hintsAfterVictimBack hints still held for n3 after it was back for a while,
     *                        the crashed stand-in's among them
     * @param hintsAtEnd      hints held anywhere at the end
     * @param missing         acknowledged writes some replica lacks at the end
     * @param liveDrainSeconds virtual seconds from n3's return until the stand-ins that stayed up had
     *                        delivered every hint they held for it (to a 0.1 s step)
     * @param drainSeconds    virtual seconds from the crashed stand-in's restart until the last hint
     *                        for n3 was gone (to a 0.5 s step)
     */
    public record Result(int writes, long acknowledged, long hintsForVictim, String standIn, long standInHints,
                         long hintsAfterVictimBack, long hintsAtEnd, List<String> missing, double liveDrainSeconds,
                         double drainSeconds) {
    }

    private HandoffScenario() {
    }

    public static Result run(long seed, int writes) {
        ReplicationSettings settings = ReplicationSettings.DEFAULTS.withTimeoutMillis(500);
        ReplicaCluster cluster = new ReplicaCluster(seed, LinkModel.LAN, 5, settings,
                ReplicaCluster.ANTI_ENTROPY.withIntervalMillis(0));
        var sim = cluster.simulation();
        sim.runFor(Duration.ofSeconds(10));
        String victim = "n3";
        sim.crash(victim);
        sim.runFor(Duration.ofSeconds(10)); // every node holds it DOWN by now
        History history = new History();
        List<String> keys = new ArrayList<>();
        for (int i = 0; keys.size() < writes; i++) {
            if (cluster.replicasOf("item" + i).contains(victim)) {
                keys.add("item" + i);
            }
        }
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            List<String> live = new ArrayList<>(cluster.replicasOf(key));
            live.remove(victim);
            String coordinator = live.get(i % live.size());
            cluster.write(coordinator, key, VectorClock.EMPTY, "value-" + i, 2, r -> {
                if (r.status() == Status.OK) {
                    history.acknowledged(key, r.dot(), sim.now());
                }
            });
            sim.runFor(Duration.ofMillis(5));
        }
        sim.runFor(Duration.ofSeconds(1));
        long forVictim = hintsFor(cluster, victim);
        String standIn = null;
        long standInHints = 0;
        for (String id : cluster.nodes()) {
            HintStore.Pending p = cluster.hints(id).pending().get(victim);
            if (!id.equals(victim) && p != null && p.count() > 0) {
                standIn = id;
                standInHints = p.count();
                break;
            }
        }
        if (standIn != null) {
            sim.crash(standIn);
        }
        sim.restart(victim);
        long back = sim.now();
        long liveDrainedAt = -1;
        for (int step = 0; step < 200; step++) {
            sim.runFor(Duration.ofMillis(100));
            if (liveDrainedAt < 0 && hintsFor(cluster, victim) <= standInHints) {
                liveDrainedAt = sim.now();
            }
        }
        long afterBack = hintsFor(cluster, victim);
        if (standIn != null) {
            sim.restart(standIn);
        }
        long standInBack = sim.now();
        long drainedAt = -1;
        for (int s = 0; s < 60 && drainedAt < 0; s++) {
            sim.runFor(Duration.ofMillis(500));
            if (hintsFor(cluster, victim) == 0) {
                drainedAt = sim.now();
            }
        }
        sim.runFor(Duration.ofSeconds(5));
        List<String> missing = new ArrayList<>();
        for (String key : keys) {
            for (String replica : cluster.replicasOf(key)) {
                for (History.Ack a : history.acked(key)) {
                    if (!History.covers(cluster.stored(replica, key), a.dot())) {
                        missing.add(key + " " + a.dot() + " on " + replica);
                    }
                }
            }
        }
        return new Result(keys.size(), history.ackCount(), forVictim, standIn, standInHints, afterBack,
                cluster.hintsHeld(), missing, liveDrainedAt < 0 ? Double.NaN : (liveDrainedAt - back) / 1e9,
                drainedAt < 0 ? Double.NaN : (drainedAt - standInBack) / 1e9);
    }

    private static long hintsFor(ReplicaCluster cluster, String target) {
        long n = 0;
        for (String id : cluster.nodes()) {
            HintStore.Pending p = cluster.hints(id).pending().get(target);
            if (p != null) {
                n += p.count();
            }
        }
        return n;
    }
}
