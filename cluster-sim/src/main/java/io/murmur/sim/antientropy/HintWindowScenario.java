package io.murmur.sim.antientropy;

import io.murmur.antientropy.AntiEntropySettings;
import io.murmur.replication.Outcomes.Status;
import io.murmur.replication.Replication;
import io.murmur.replication.ReplicationSettings;
import io.murmur.runtime.HintStore;
import io.murmur.sim.LinkModel;
import io.murmur.sim.Simulation;
import io.murmur.sim.replication.History;
import io.murmur.sim.replication.RepairTotals;
import io.murmur.sim.replication.ReplicaCluster;
import io.murmur.version.VectorClock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A replica down longer than the hint window: five nodes, N = 3, W = 2, hints kept for
 * 5 s only. {@code n3} crashes; once the others hold it DOWN, clients write keys it
 * replicates, and the stand-ins keep hints for it. {@code n3} stays down until every hint
 * is older than the window, so the stand-ins drop them (expired) and replay none; when it
 * returns, only anti-entropy can bring it the writes it missed (no client reads, so no
 * read repair). Converged means every range's replicas have the same Merkle root and
 * every replica holds every acknowledged write.
 */
public final class HintWindowScenario {
    /** The hint window the run sets. */
    public static final long HINT_WINDOW_MILLIS = 5_000;

    /**
     * @param writes      keys of {@code n3} written while it is down
     * @param antiEntropy how the nodes run anti-entropy (interval 0: not scheduled, for contrast)
     * @param limit       virtual time allowed to converge after n3 returns
     */
    public record Options(int writes, AntiEntropySettings antiEntropy, Duration limit) {
        public static Options defaults() {
            return new Options(500, ReplicaCluster.ANTI_ENTROPY, Duration.ofSeconds(60));
        }

        public Options withAntiEntropy(AntiEntropySettings value) {
            return new Options(writes, value, limit);
        }
    }

    /**
     * What the run saw.
     *
     * @param acknowledged     writes acknowledged while n3 was down
     * @param hintsStored      hints the stand-ins stored for n3
     * @param hintsExpired     hints dropped as older than the window, over all nodes
     * @param hintsReplayed    hints replayed, over all nodes (0: n3 got nothing from hints)
     * @param hintsHeldAtReturn hints held for n3 when it came back
     * @param downSeconds      virtual seconds n3 was down
     * @param repairs          repair sessions from n3's return to convergence (or the limit)
     * @param convergedSeconds virtual seconds from n3's return until every range agreed (to a 0.1 s
     *                         step), NaN if not within the limit
     * @param divergedAtEnd    ranges still differing at the end (first few)
     * @param missing          acknowledged writes some replica lacks at the end (first few), and their count
     */
    public record Result(long seed, Options options, long acknowledged, long hintsStored, long hintsExpired,
                         long hintsReplayed, long hintsHeldAtReturn, double downSeconds, RepairTotals repairs,
                         double convergedSeconds, List<ReplicaCluster.Divergence> divergedAtEnd, List<String> missing,
                         long missingCount, long traceHash) {
        public boolean converged() {
            return divergedAtEnd.isEmpty() && missingCount == 0 && !Double.isNaN(convergedSeconds);
        }

        public String summary() {
            return String.format(Locale.ROOT, "seed %d: n3 down %.1f s, %d of %d writes acknowledged meanwhile; "
                            + "hints stored %d, expired %d, replayed %d, held at its return %d; %s; converged %s; "
                            + "trace-hash %016x",
                    seed, downSeconds, acknowledged, options.writes(), hintsStored, hintsExpired, hintsReplayed,
                    hintsHeldAtReturn, repairs,
                    Double.isNaN(convergedSeconds) ? "NOT within " + options.limit().toSeconds() + " s"
                            : String.format(Locale.ROOT, "%.1f s after n3 returned", convergedSeconds), traceHash)
                    + (missingCount == 0 ? "" : "; " + missingCount + " acknowledged writes missing, e.g. " + missing)
                    + (divergedAtEnd.isEmpty() ? "" : "; ranges differing: " + divergedAtEnd);
        }
    }

    private HintWindowScenario() {
    }

    public static Result run(long seed, Options o) {
        ReplicationSettings defaults = ReplicationSettings.DEFAULTS.withTimeoutMillis(500);
        ReplicationSettings settings = defaults.withHints(false, HINT_WINDOW_MILLIS, defaults.maxHintBytesPerTarget(),
                defaults.hintReplayBytesPerSecond());
        ReplicaCluster cluster = new ReplicaCluster(seed, LinkModel.LAN, 5, settings, o.antiEntropy());
        Simulation<?> sim = cluster.simulation();
        sim.runFor(Duration.ofSeconds(10));
        String victim = "n3";
        sim.crash(victim);
        long downAt = sim.now();
        sim.runFor(Duration.ofSeconds(10)); // every node holds it DOWN by now
        History history = new History();
        List<String> keys = new ArrayList<>();
        for (int i = 0; keys.size() < o.writes(); i++) {
            if (cluster.replicasOf("item" + i).contains(victim)) {
                keys.add("item" + i);
            }
        }
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            List<String> live = new ArrayList<>(cluster.replicasOf(key));
            live.remove(victim);
            cluster.write(live.get(i % live.size()), key, VectorClock.EMPTY, "value-" + i, 2, r -> {
                if (r.status() == Status.OK) {
                    history.acknowledged(key, r.dot(), sim.now());
                }
            });
            sim.runFor(Duration.ofMillis(5));
        }
        sim.runFor(Duration.ofSeconds(1));
        long stored = 0;
        for (String id : cluster.nodes()) {
            Replication r = cluster.replication(id);
            if (r != null) {
                stored += r.stats().hintsStored.get();
            }
        }
        // past the window: every hint for n3 is older than it and dropped
        sim.runFor(Duration.ofMillis(HINT_WINDOW_MILLIS + 2_000));
        long heldAtReturn = hintsFor(cluster, victim);
        RepairTotals before = cluster.repairTotals();
        sim.restart(victim);
        long back = sim.now();
        long convergedAt = -1;
        while (sim.now() < back + o.limit().toNanos()) {
            sim.runFor(Duration.ofMillis(100));
            if (cluster.divergences().isEmpty()) {
                convergedAt = sim.now();
                break;
            }
        }
        long expired = 0;
        long replayed = 0;
        for (String id : cluster.nodes()) {
            Replication r = cluster.replication(id);
            if (r != null) {
                expired += r.stats().hintsExpired.get();
                replayed += r.stats().hintsReplayed.get();
            }
        }
        List<String> missing = new ArrayList<>();
        long missingCount = 0;
        for (String key : keys) {
            for (String replica : cluster.replicasOf(key)) {
                for (History.Ack a : history.acked(key)) {
                    if (!History.covers(cluster.stored(replica, key), a.dot())) {
                        missingCount++;
                        if (missing.size() < 3) {
                            missing.add(key + " " + a.dot() + " on " + replica);
                        }
                    }
                }
            }
        }
        List<ReplicaCluster.Divergence> diverged = cluster.divergences();
        return new Result(seed, o, history.ackCount(), stored, expired, replayed, heldAtReturn,
                (back - downAt) / 1e9, cluster.repairTotals().since(before),
                convergedAt < 0 ? Double.NaN : (convergedAt - back) / 1e9,
                diverged.subList(0, Math.min(5, diverged.size())), missing, missingCount, sim.traceHash());
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
