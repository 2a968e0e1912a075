package io.murmur.sim.experiments;

import io.murmur.replication.Outcomes.Status;
import io.murmur.sim.replication.ConsistencyTable;
import io.murmur.sim.replication.FaultsScenario;
import io.murmur.sim.replication.HandoffScenario;
import io.murmur.sim.replication.PartitionScenario;
import io.murmur.sim.replication.ReplicaCluster;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Replication on simulated clusters: the consistency table for N = 3 under a crashed
 * replica, siblings across a partition, hinted handoff with a crashing stand-in, and the
 * randomized fault run over many seeds.
 */
public final class ReplicationExperiment {
    /**
     * @param workload   virtual time of each consistency-table run
     * @param handoffKeys keys written while a replica is down
     * @param faultSeeds seeds of the randomized fault run
     */
    public record Config(long seed, Duration workload, int handoffKeys, int faultSeeds) {
        public static Config full(long seed) {
            return new Config(seed, Duration.ofSeconds(60), 1000, 100);
        }

        public static Config quick(long seed) {
            return new Config(seed, Duration.ofSeconds(12), 100, 3);
        }
    }

    public record Result(ResultTable consistency, ResultTable handoff, ResultTable faults, List<Path> files) {
    }

    private ReplicationExperiment() {
    }

    public static Result run(Config config, Path outDir, Progress progress, PrintStream out) throws IOException {
        Files.createDirectories(outDir);
        ResultTable consistency = new ResultTable(String.format(Locale.ROOT,
                "N=3, 5 nodes, one replica crashed for the whole run (%d s virtual); each write is read at once "
                        + "through another replica", config.workload().toSeconds()),
                List.of("W", "R", "writes", "reads", "reads that missed the write just acknowledged"));
        int done = 0;
        for (int[] pair : ConsistencyTable.PAIRS) {
            progress.step("consistency table", done++, ConsistencyTable.PAIRS.length);
            ConsistencyTable.Row row = ConsistencyTable.run(config.seed(), pair[0], pair[1], config.workload());
            consistency.add(row.w(), row.r(), share(row.writes()), share(row.reads()),
                    row.staleReads() + " of " + row.readsAfterAck());
        }
        consistency.print(out);

        progress.note("partition");
        PartitionScenario.Result p = PartitionScenario.run(config.seed());
        out.println();
        out.println("partition: n1 | n2 n3, each side writes with w=1: " + p.leftWrite().status() + " / "
                + p.rightWrite().status() + "; after the heal a read (r=3) returns "
                + ReplicaCluster.values(p.afterHeal().record()) + "; a write with its context, then a read: "
                + ReplicaCluster.values(p.afterResolve().record()));

        progress.note("hinted handoff");
        HandoffScenario.Result h = HandoffScenario.run(config.seed(), config.handoffKeys());
        ResultTable handoff = new ResultTable("hinted handoff: 5 nodes, N=3, W=2; n3 down while "
                + h.writes() + " keys it replicates are written; a stand-in crashes before replaying",
                List.of("measure", "value"));
        handoff.add("writes acknowledged while n3 was down", h.acknowledged() + " of " + h.writes());
        handoff.add("hints held for n3 just before it returned", h.hintsForVictim());
        handoff.add("hints on the stand-in that crashed (" + h.standIn() + ")", h.standInHints());
        handoff.add("hints left 20 s after n3 returned (the crashed stand-in's)", h.hintsAfterVictimBack());
        handoff.add("seconds from n3's return until the stand-ins still up had delivered theirs",
                String.format(Locale.ROOT, "%.1f", h.liveDrainSeconds()));
        handoff.add("seconds from the crashed stand-in's restart until it had delivered its own",
                String.format(Locale.ROOT, "%.1f", h.drainSeconds()));
        handoff.add("hints held at the end", h.hintsAtEnd());
        handoff.add("acknowledged writes missing on some replica at the end", h.missing().size());
        out.println();
        handoff.print(out);

        ResultTable faults = new ResultTable("randomized faults: 5 nodes, N=3, R=W=2, 8 keys, 60 s of crashes, "
                + "pauses, partitions and loss, then 40 s quiet; seeds " + config.seed() + ".."
                + (config.seed() + config.faultSeeds() - 1), List.of("seeds", "faults", "writes acknowledged",
                "reads checked", "writes refused or timed out", "violations"));
        long faultCount = 0;
        long acked = 0;
        long checked = 0;
        long failedWrites = 0;
        List<String> violations = new ArrayList<>();
        for (int i = 0; i < config.faultSeeds(); i++) {
            progress.step("randomized faults", i, config.faultSeeds());
            FaultsScenario.Result r = FaultsScenario.run(config.seed() + i, FaultsScenario.Options.defaults());
            faultCount += r.faults().size();
            acked += r.writesAcked();
            checked += r.readsChecked();
            for (Map.Entry<Status, Long> e : r.writeOutcomes().entrySet()) {
                if (e.getKey() != Status.OK) {
                    failedWrites += e.getValue();
                }
            }
            if (!r.ok()) {
                violations.add("seed " + r.seed() + ": " + r.violations().get(0));
            }
        }
        faults.add(config.faultSeeds(), faultCount, acked, checked, failedWrites, violations.size());
        out.println();
        faults.print(out);
        violations.forEach(v -> out.println("  " + v));

        List<Path> files = new ArrayList<>();
        for (ResultTable t : List.of(consistency, handoff, faults)) {
            Path f = outDir.resolve(switch (files.size()) {
                case 0 -> "consistency.csv";
                case 1 -> "handoff.csv";
                default -> "faults.csv";
            });
            t.writeCsv(f);
            files.add(f);
        }
        return new Result(consistency, handoff, faults, files);
    }

    private static String share(Map<Status, Long> outcomes) {
        long total = 0;
        for (long v : outcomes.values()) {
            total += v;
        }
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<Status, Long> e : new EnumMap<>(outcomes).entrySet()) {
            if (sb.length() > 0) {
                sb.append("; ");
            }
            sb.append(String.format(Locale.ROOT, "%s %.0f%%", e.getKey().name().toLowerCase(Locale.ROOT),
                    100.0 * e.getValue() / total));
        }
        return sb.toString();
    }
}
