package io.murmur.sim.experiments;

import io.murmur.antientropy.AntiEntropy;
import io.murmur.antientropy.AntiEntropySettings;
import io.murmur.sim.antientropy.DivergentReplicas;
import io.murmur.sim.antientropy.RepairCluster;
import io.murmur.storage.InMemoryStorage;

import java.awt.Color;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Repair traffic: two replicas of every range (a 2-node ring, N = 2) holding the same
 * keys but for a share of them, one full repair from one replica, and the bytes it
 * exchanged against the least any protocol could send ({@link DivergentReplicas}).
 *
 * <p>Both replicas are loaded once (in memory, sharing each record object). For each tree
 * depth and share of differing keys: make that share differ, build both replicas' trees
 * from their stores, run {@link AntiEntropy#repair} over every range from {@code n1} on
 * virtual time with the throttle set out of reach, then check that both replicas hold
 * every key, each differing key the merge of both sides and every other its common
 * record, and equal trees, and throw if not; a second repair must find nothing to
 * exchange. Then the differing keys are put back for the next run. The bytes are the core's own count
 * (its {@link AntiEntropy.Job#bytes}: every message of every session, both directions);
 * the wire's exact count, split into tree descent, records and the rest, is written beside
 * it. Repair time is this process's wall-clock time for the whole repair, both sides
 * (serializing and parsing every message included): a measurement of this machine, so
 * the one figure that does not follow from the seed.
 */
public final class RepairExperiment {
    /** Above anything a repair here could send per second: the throttle never waits. */
    static final long THROTTLE_OFF_BYTES_PER_SECOND = 1L << 40;
    /** A node of a 3-node ring with N = 3 and 256 vnodes replicates 768 ranges: the README's default. */
    static final int DEFAULT_NODE_RANGES = 768;
    static final String[] IDS = {"n1", "n2"};
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
    /** From this many keys on, a full collection before each repair keeps the last run's garbage out of its time. */
    static final int GC_BEFORE_REPAIR_KEYS = 100_000;

    /**
     * What to run.
     *
     * @param keys         keys on the replicas
     * @param valueBytes   bytes of every value
     * @param vnodes       tokens per node
     * @param fractions    shares of differing keys, each run at every depth
     * @param depths       tree depths
     * @param defaultDepth the depth of the divergence table
     * @param sweepFraction the share of the depth table
     * @param warmupKeys   keys of an unreported repair run first, so the reported ones run compiled
     */
    public record Config(long seed, int keys, int valueBytes, int vnodes, double[] fractions, int[] depths,
                         int defaultDepth, double sweepFraction, int warmupKeys) {
        public Config {
            fractions = fractions.clone();
            depths = depths.clone();
            if (keys < 1 || valueBytes < 0 || vnodes < 1 || fractions.length == 0 || depths.length == 0) {
                throw new IllegalArgumentException("need keys, vnodes, fractions and depths");
            }
            if (Arrays.stream(depths).noneMatch(d -> d == defaultDepth)) {
                throw new IllegalArgumentException("the default depth " + defaultDepth + " is not among the depths");
            }
            if (Arrays.stream(fractions).noneMatch(f -> f == sweepFraction)) {
                throw new IllegalArgumentException("the sweep fraction " + sweepFraction
                        + " is not among the fractions");
            }
        }

        /** 1M keys, 1 KiB values, 256 vnodes (the node default); 0.01% to 10%; depths 6 to 12. */
        public static Config full(long seed) {
            return new Config(seed, 1_000_000, 1024, 256, new double[] {0.0001, 0.001, 0.01, 0.1},
                    new int[] {6, 8, 10, 12}, AntiEntropySettings.DEFAULTS.depth(), 0.001, 20_000);
        }

        /** The same points with 20k keys. */
        public static Config quick(long seed) {
            return new Config(seed, 20_000, 1024, 256, new double[] {0.0001, 0.001, 0.01, 0.1},
                    new int[] {6, 8, 10, 12}, AntiEntropySettings.DEFAULTS.depth(), 0.001, 2_000);
        }
    }

    /**
     * One repair.
     *
     * @param ranges          ranges each replica keeps a tree of
     * @param minimalBytes    see {@link DivergentReplicas}
     * @param bytes           the core's count, both directions, all sessions
     * @param wire            the exact bytes of every message, split
     * @param repairNanos     wall-clock time of the repair
     * @param repairCpuNanos  CPU time of the thread that ran it (both replicas; not the collector's)
     * @param treeBuildNanos  wall-clock time to build both replicas' trees from their stores
     * @param idleBytes       the core's count for a second repair right after (nothing to do)
     */
    public record Run(int depth, double fraction, int ranges, int keys, int differing,
                      Map<DivergentReplicas.Kind, Integer> kinds, long minimalBytes, long minimalRecords, long bytes,
                      RepairCluster.Wire wire, int sessions, long keysSent, long keysReceived, long leavesDiffering,
                      long rangesDiffering, long throttledMillis, long repairNanos, long repairCpuNanos,
                      long treeBuildNanos, long idleBytes) {
        public double ratio() {
            return minimalBytes == 0 ? Double.NaN : (double) bytes / minimalBytes;
        }

        public double keysPerLeaf() {
            return (double) keys / ((long) ranges << depth);
        }

        /** Leaves of every tree of one replica, 8 bytes each. */
        public long treeBytes() {
            return (long) ranges << depth << 3;
        }
    }

    /** The tables, every run, and the files written. */
    public record Result(ResultTable divergence, ResultTable depth, ResultTable grid, List<Run> runs,
                         List<Path> files) {
    }

    private RepairExperiment() {
    }

    public static Result run(Config config, Path outDir, Progress progress, PrintStream out) throws IOException {
        Files.createDirectories(outDir);
        if (config.warmupKeys() > 0) {
            progress.note(String.format(Locale.ROOT, "warm-up: %,d keys, 10%% differing (not reported)",
                    config.warmupKeys()));
            DivergentReplicas warmup = new DivergentReplicas(config.seed() + 1, config.warmupKeys(),
                    config.valueBytes(), new InMemoryStorage(), new InMemoryStorage());
            repair(warmup, config.vnodes(), config.defaultDepth(), 0.1);
        }
        progress.note(String.format(Locale.ROOT, "loading %,d keys on both replicas", config.keys()));
        long loadStarted = System.nanoTime();
        DivergentReplicas data = new DivergentReplicas(config.seed(), config.keys(), config.valueBytes(),
                new InMemoryStorage(), new InMemoryStorage());
        progress.note(String.format(Locale.ROOT, "loaded in %.1f s", (System.nanoTime() - loadStarted) / 1e9));
        List<Run> runs = new ArrayList<>();
        int total = config.depths().length * config.fractions().length;
        int[] order = depthOrder(config);
        for (int depth : order) {
            for (double fraction : config.fractions()) {
                progress.step(String.format(Locale.ROOT, "depth %d, %s differing", depth, percent(fraction)),
                        runs.size(), total);
                Run r = repair(data, config.vnodes(), depth, fraction);
                runs.add(r);
                progress.note(String.format(Locale.ROOT,
                        "  %,d differing keys: %,d bytes, %.2fx minimal, %.0f ms (%.0f ms CPU); heap used %,d MiB",
                        r.differing(), r.bytes(), r.ratio(), r.repairNanos() / 1e6, r.repairCpuNanos() / 1e6,
                        (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20));
            }
        }
        progress.step("done", total, total);

        Run any = runs.get(0);
        out.printf(Locale.ROOT, "%,d keys of %d bytes with %,d-byte values on 2 replicas (n1, n2; %d vnodes each: "
                        + "%d ranges, each replicated by both, N = 2), in memory; seed %d.%n"
                        + "One full repair from n1 per row, throttle off (%s bytes/s; %d ms throttled in all runs), "
                        + "%d ranges per session.%n"
                        + "minimal = serialized KeyedRecords of just the versions each side lacks; bytes = the core's "
                        + "count, both directions; ratio = bytes / minimal.%n%n",
                config.keys(), DivergentReplicas.KEY_BYTES, config.valueBytes(), config.vnodes(), any.ranges(),
                config.seed(), THROTTLE_OFF_BYTES_PER_SECOND,
                runs.stream().mapToLong(Run::throttledMillis).sum(), settings(config.defaultDepth())
                        .rangesPerSession());

        ResultTable divergence = new ResultTable(String.format(Locale.ROOT,
                "Repair traffic vs divergence, tree depth %d (%.2f keys per leaf)", config.defaultDepth(),
                find(runs, config.defaultDepth(), config.sweepFraction()).keysPerLeaf()),
                List.of("divergence_pct", "differing_keys", "minimal_bytes", "bytes", "ratio", "record_bytes",
                        "tree_bytes", "other_bytes", "keys_sent", "keys_received", "leaves_differing", "sessions",
                        "messages", "repair_ms", "repair_cpu_ms", "idle_repair_bytes"));
        for (double fraction : config.fractions()) {
            Run r = find(runs, config.defaultDepth(), fraction);
            divergence.add(percent(fraction), r.differing(), r.minimalBytes(), r.bytes(),
                    ResultTable.num(r.ratio(), 3), r.wire().recordBytes(), r.wire().treeBytes(),
                    r.wire().otherBytes(), r.keysSent(), r.keysReceived(), r.leavesDiffering(), r.sessions(),
                    r.wire().messages(), ResultTable.num(r.repairNanos() / 1e6, 0),
                    ResultTable.num(r.repairCpuNanos() / 1e6, 0), r.idleBytes());
        }
        divergence.print(out);
        out.println("  differing keys by kind (largest share): " + find(runs, config.defaultDepth(),
                config.fractions()[config.fractions().length - 1]).kinds());
        out.println();

        ResultTable depth = new ResultTable(String.format(Locale.ROOT,
                "Tree depth at %s divergence: memory vs keys per leaf vs bytes", percent(config.sweepFraction())),
                List.of("depth", "leaves_per_tree", "keys_per_leaf", "tree_mib_this_node",
                        "tree_mib_" + DEFAULT_NODE_RANGES + "_ranges", "bytes", "ratio", "tree_bytes", "other_bytes",
                        "record_bytes", "messages", "repair_ms", "repair_cpu_ms"));
        for (int d : config.depths()) {
            Run r = find(runs, d, config.sweepFraction());
            depth.add(d, 1 << d, ResultTable.num(r.keysPerLeaf(), 2), ResultTable.num(r.treeBytes() / 1048576.0, 2),
                    ResultTable.num(((long) DEFAULT_NODE_RANGES << d << 3) / 1048576.0, 2), r.bytes(),
                    ResultTable.num(r.ratio(), 3), r.wire().treeBytes(), r.wire().otherBytes(),
                    r.wire().recordBytes(), r.wire().messages(), ResultTable.num(r.repairNanos() / 1e6, 0),
                    ResultTable.num(r.repairCpuNanos() / 1e6, 0));
        }
        depth.print(out);

        ResultTable grid = new ResultTable("Every run", List.of("depth", "divergence_pct", "keys", "differing_keys",
                "minimal_bytes", "minimal_records", "bytes", "ratio", "wire_bytes", "tree_bytes", "record_bytes",
                "other_bytes", "records", "keys_sent", "keys_received", "ranges_differing", "leaves_differing",
                "sessions", "messages", "repair_ms", "repair_cpu_ms", "tree_build_ms", "idle_repair_bytes"));
        for (Run r : runs) {
            grid.add(r.depth(), percent(r.fraction()), r.keys(), r.differing(), r.minimalBytes(), r.minimalRecords(),
                    r.bytes(), ResultTable.num(r.ratio(), 3),
                    r.wire().bytes(), r.wire().treeBytes(), r.wire().recordBytes(), r.wire().otherBytes(),
                    r.wire().records(), r.keysSent(), r.keysReceived(), r.rangesDiffering(), r.leavesDiffering(),
                    r.sessions(), r.wire().messages(), ResultTable.num(r.repairNanos() / 1e6, 1),
                    ResultTable.num(r.repairCpuNanos() / 1e6, 1),
                    ResultTable.num(r.treeBuildNanos() / 1e6, 1), r.idleBytes());
        }

        List<Path> files = new ArrayList<>();
        files.add(outDir.resolve("repair-divergence.csv"));
        divergence.writeCsv(files.get(files.size() - 1));
        files.add(outDir.resolve("repair-depth.csv"));
        depth.writeCsv(files.get(files.size() - 1));
        files.add(outDir.resolve("repair-runs.csv"));
        grid.writeCsv(files.get(files.size() - 1));
        files.add(outDir.resolve("repair-ratio.png"));
        ratioChart(config, runs, files.get(files.size() - 1));
        return new Result(divergence, depth, grid, runs, files);
    }

    /** The default depth first, so the divergence table's runs do not wait for the sweep. */
    private static int[] depthOrder(Config config) {
        int[] order = new int[config.depths().length];
        order[0] = config.defaultDepth();
        int k = 1;
        for (int d : config.depths()) {
            if (d != config.defaultDepth()) {
                order[k++] = d;
            }
        }
        return order;
    }

    static AntiEntropySettings settings(int depth) {
        return AntiEntropySettings.DEFAULTS.withDepth(depth).withIntervalMillis(0)
                .withBytesPerSecond(THROTTLE_OFF_BYTES_PER_SECOND);
    }

    /**
     * Makes the replicas of {@code data} differ in {@code fraction} of their keys, repairs
     * with trees of {@code depth}, checks, and puts the replicas back as they were.
     *
     * @throws IllegalStateException if the repair failed or the replicas do not end equal
     */
    static Run repair(DivergentReplicas data, int vnodes, int depth, double fraction) {
        DivergentReplicas.Divergence d = data.diverge(fraction);
        try {
            Map<String, InMemoryStorage> stores = new LinkedHashMap<>();
            stores.put(IDS[0], data.initiator());
            stores.put(IDS[1], data.responder());
            RepairCluster cluster = new RepairCluster(settings(depth), vnodes, stores);
            RepairCluster.Replica a = cluster.replica(IDS[0]);
            RepairCluster.Replica b = cluster.replica(IDS[1]);
            long t0 = System.nanoTime();
            cluster.buildTrees();
            long treeBuild = System.nanoTime() - t0;
            int ranges = a.trees().ranges().size();
            long[] leaves = new long[1];
            a.core().onSessionEnd(s -> leaves[0] += s.leavesDiffering());
            if (data.keys() >= GC_BEFORE_REPAIR_KEYS) {
                System.gc(); // collect the last run's garbage now, not during this repair
            }

            RepairCluster.Wire before = cluster.wire().copy();
            long started = System.nanoTime();
            long startedCpu = CPU.getCurrentThreadCpuTime();
            AntiEntropy.Job job = a.core().repair(null);
            a.core().start();
            cluster.runUntil(job::isDone, Duration.ofHours(1));
            long repairNanos = System.nanoTime() - started;
            long repairCpuNanos = CPU.getCurrentThreadCpuTime() - startedCpu;
            RepairCluster.Wire wire = cluster.wire().since(before);
            String at = String.format(Locale.ROOT, "depth %d, %s differing: ", depth, percent(fraction));
            if (job.failure() != null || job.sessionsFailed() > 0) {
                throw new IllegalStateException(at + "repair failed: " + job.failure() + " / "
                        + job.lastSessionFailure());
            }
            if (job.rangesCompared() != ranges) {
                throw new IllegalStateException(at + "only " + job.rangesCompared() + " of " + ranges
                        + " ranges were compared");
            }
            try {
                data.verifyRepaired();
            } catch (IllegalStateException e) {
                throw new IllegalStateException(at + e.getMessage(), e);
            }
            if (!Arrays.equals(a.roots(), b.roots())) {
                throw new IllegalStateException(at + "the replicas hold the same records but their trees differ");
            }

            AntiEntropy.Job idle = a.core().repair(null);
            cluster.runUntil(idle::isDone, Duration.ofHours(1));
            if (idle.sessionsFailed() > 0 || idle.keysSent() + idle.keysReceived() > 0) {
                throw new IllegalStateException(at + "a second repair still found differences: " + idle.keysSent()
                        + " keys sent, " + idle.keysReceived() + " received, " + idle.sessionsFailed() + " failed");
            }
            a.core().stop();
            b.core().stop();
            return new Run(depth, fraction, ranges, data.keys(), d.differing(), d.kinds(), d.minimalBytes(),
                    d.minimalRecords(), job.bytes(), wire, job.sessions(), job.keysSent(), job.keysReceived(),
                    leaves[0], job.rangesDiffering(), a.core().stats().throttledMillis.get(), repairNanos,
                    repairCpuNanos, treeBuild, idle.bytes());
        } finally {
            data.restore();
        }
    }

    private static Run find(List<Run> runs, int depth, double fraction) {
        for (Run r : runs) {
            if (r.depth() == depth && r.fraction() == fraction) {
                return r;
            }
        }
        throw new IllegalArgumentException("no run at depth " + depth + ", " + fraction);
    }

    /** 0.01, 0.1, 1, 10: the share as a percentage without trailing zeros. */
    static String percent(double fraction) {
        return BigDecimal.valueOf(fraction).movePointRight(2).stripTrailingZeros().toPlainString() + "%";
    }

    private static void ratioChart(Config config, List<Run> runs, Path file) throws IOException {
        List<Charts.Line> lines = new ArrayList<>();
        double[] x = Arrays.stream(config.fractions()).map(f -> f * 100).toArray();
        int c = 0;
        for (int d : config.depths()) {
            double[] y = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                y[i] = find(runs, d, config.fractions()[i]).ratio();
            }
            Color color = Charts.PALETTE[c++ % Charts.PALETTE.length];
            lines.add(Charts.Line.of("depth " + d + (d == config.defaultDepth() ? " (default)" : ""), x, y)
                    .withColor(color).withStyle(d == config.defaultDepth() ? Charts.Style.SOLID
                            : Charts.Style.DASHED));
        }
        double[] two = new double[x.length];
        Arrays.fill(two, 2.0);
        lines.add(Charts.Line.reference("goal: 2x minimal", x, two));
        Charts.writePng(file, String.format(Locale.ROOT,
                        "Repair bytes / minimal bytes, %,d keys, %d-byte values, 2 replicas", config.keys(),
                        config.valueBytes()),
                Charts.Axes.linear("differing keys (%)", "bytes exchanged / minimal").withLogX(), lines);
    }
}
