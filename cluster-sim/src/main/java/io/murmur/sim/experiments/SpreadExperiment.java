package io.murmur.sim.experiments;

import io.murmur.ring.RingMember;
import io.murmur.ring.RingSnapshot;

import java.awt.Color;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * How evenly the vnode ring spreads keys, and how much moves on a membership change.
 *
 * <p>For each cluster size and vnode count: route random keys to their primary, count keys per
 * node, and report the standard deviation (as % of the mean) and max/mean, next to the same
 * figures for the exact share of the token space each node owns (no key sampling noise).
 * Then, several times, add a node or remove a random one and count the keys whose primary
 * (N = 1) or replica set (N = 3) changes, against the ideal {@code N/(n+1)} for a join and
 * {@code N/n} for a leave, and the token-space share {@link RingSnapshot#diff} reports.
 *
 * <p>All members share one rack, so a preference list is simply the first N distinct nodes
 * clockwise. Node ids are {@code node-0000, node-0001, ...}, so the layout of the ring is the
 * same for every seed; the seed draws the keys, the joining node ids and the leaving nodes.
 */
public final class SpreadExperiment {
    static final String RACK = "r0";
    static final int REPLICAS = 3;

    /** What to run. */
    public record Config(int[] nodeCounts, int[] vnodeCounts, int keys, int trials, long seed) {
        public Config {
            nodeCounts = nodeCounts.clone();
            vnodeCounts = vnodeCounts.clone();
            if (keys < 1 || trials < 1 || nodeCounts.length == 0 || vnodeCounts.length == 0) {
                throw new IllegalArgumentException("need keys, trials, node counts and vnode counts");
            }
            for (int n : nodeCounts) {
                if (n < REPLICAS) {
                    throw new IllegalArgumentException("clusters need at least " + REPLICAS + " nodes, got " + n);
                }
            }
        }

        /** 10 and 100 nodes, 1, 8, 32, 128, 256, 512 vnodes, 1M keys, 5 joins and 5 leaves each. */
        public static Config full(long seed) {
            return new Config(new int[] {10, 100}, new int[] {1, 8, 32, 128, 256, 512}, 1_000_000, 5, seed);
        }

        /** The same points with 100k keys and 2 joins and leaves each. */
        public static Config quick(long seed) {
            return new Config(new int[] {10, 100}, new int[] {1, 8, 32, 128, 256, 512}, 100_000, 2, seed);
        }
    }

    /** The two tables and the files written. */
    public record Result(ResultTable load, ResultTable moves, List<Path> files) {
    }

    private SpreadExperiment() {
    }

    public static Result run(Config config, Path outDir, Progress progress, PrintStream out) throws IOException {
        Files.createDirectories(outDir);
        long[] keys = Keys.randomHashes(config.seed(), config.keys());
        ResultTable load = new ResultTable(String.format(Locale.ROOT,
                "Keys per node (primary), %,d random keys, seed %d", config.keys(), config.seed()),
                List.of("nodes", "vnodes", "mean_keys", "min_keys", "max_keys", "stddev_pct", "max_over_mean",
                        "ownership_stddev_pct", "ownership_max_over_mean"));
        ResultTable moves = new ResultTable(String.format(Locale.ROOT,
                "Keys moved by one join or leave (mean of %d trials; ideal N/(n+1) for a join, N/n for a leave)",
                config.trials()),
                List.of("nodes", "vnodes", "event", "replicas", "moved_keys", "moved_keys_min", "moved_keys_max",
                        "moved_tokens", "ideal", "moved_over_ideal"));
        int total = config.nodeCounts().length * config.vnodeCounts().length;
        int done = 0;
        for (int n : config.nodeCounts()) {
            for (int v : config.vnodeCounts()) {
                progress.step(String.format(Locale.ROOT, "%d nodes, %d vnodes", n, v), done++, total);
                measure(n, v, keys, config, load, moves);
            }
        }
        progress.step("done", total, total);

        List<Path> files = new ArrayList<>();
        files.add(outDir.resolve("spread-load.csv"));
        load.writeCsv(files.get(0));
        files.add(outDir.resolve("spread-moves.csv"));
        moves.writeCsv(files.get(1));
        files.add(outDir.resolve("spread-stddev.png"));
        stddevChart(config, load, files.get(2));
        files.add(outDir.resolve("spread-moves.png"));
        movesChart(config, moves, files.get(3));
        load.print(out);
        moves.print(out);
        return new Result(load, moves, List.copyOf(files));
    }

    private static void measure(int n, int vnodes, long[] keys, Config config, ResultTable load, ResultTable moves) {
        List<RingMember> members = new ArrayList<>(n);
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String id = nodeId(i);
            members.add(RingMember.of(id, RACK, vnodes));
            index.put(id, i);
        }
        RingSnapshot ring = RingSnapshot.of(members);

        int[] primary = primaries(ring, keys, index);
        long[] perNode = new long[n];
        for (int p : primary) {
            perNode[p]++;
        }
        LoadStats keyStats = LoadStats.of(perNode);
        double[] shares = new double[n];
        for (int i = 0; i < n; i++) {
            shares[i] = ring.ownership(nodeId(i));
        }
        LoadStats shareStats = LoadStats.of(shares);
        load.add(n, vnodes, ResultTable.num(keyStats.mean(), 1), Arrays.stream(perNode).min().orElseThrow(),
                Arrays.stream(perNode).max().orElseThrow(), ResultTable.num(keyStats.stddevPercent(), 2),
                ResultTable.num(keyStats.maxOverMean(), 3), ResultTable.num(shareStats.stddevPercent(), 2),
                ResultTable.num(shareStats.maxOverMean(), 3));

        long[] replicaSets = replicaSets(ring, keys, index);
        SplittableRandom rng = new SplittableRandom(config.seed() * 31 + n * 1_000_003L + vnodes);
        int[] leavers = Keys.permutation(n, rng);
        for (String event : List.of("join", "leave")) {
            double[][] keyMoves = new double[2][config.trials()];
            double[][] tokenMoves = new double[2][config.trials()];
            for (int t = 0; t < config.trials(); t++) {
                RingSnapshot after;
                String changed;
                if (event.equals("join")) {
                    changed = String.format(Locale.ROOT, "new-%08x", rng.nextInt());
                    index.put(changed, n);
                    after = ring.withMember(RingMember.of(changed, RACK, vnodes));
                } else {
                    changed = nodeId(leavers[t % n]);
                    after = ring.withoutMember(changed);
                }
                int[] primaryAfter = primaries(after, keys, index);
                requireOnlyChangedNodeMoves(primary, primaryAfter, index.get(changed), event);
                keyMoves[0][t] = LoadStats.movedFraction(primary, primaryAfter);
                keyMoves[1][t] = LoadStats.movedFraction(replicaSets, replicaSets(after, keys, index));
                tokenMoves[0][t] = RingSnapshot.diff(ring, after, 1).movedFraction();
                tokenMoves[1][t] = RingSnapshot.diff(ring, after, REPLICAS).movedFraction();
                if (event.equals("join")) {
                    index.remove(changed);
                }
            }
            for (int r = 0; r < 2; r++) {
                int replicas = r == 0 ? 1 : REPLICAS;
                double ideal = Math.min(1.0, (double) replicas / (event.equals("join") ? n + 1 : n));
                double mean = mean(keyMoves[r]);
                moves.add(n, vnodes, event, replicas, ResultTable.num(mean, 5),
                        ResultTable.num(Arrays.stream(keyMoves[r]).min().orElseThrow(), 5),
                        ResultTable.num(Arrays.stream(keyMoves[r]).max().orElseThrow(), 5),
                        ResultTable.num(mean(tokenMoves[r]), 5), ResultTable.num(ideal, 5),
                        ResultTable.num(mean / ideal, 3));
            }
        }
    }

    /**
     * Consistent hashing's promise: on a join only keys that go to the new node move, on a
     * leave only the leaving node's keys move. A break here is a ring bug, not a measurement.
     */
    private static void requireOnlyChangedNodeMoves(int[] before, int[] after, int changed, String event) {
        for (int i = 0; i < before.length; i++) {
            if (before[i] != after[i] && (event.equals("join") ? after[i] != changed : before[i] != changed)) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "on a %s key %d moved from node %d to node %d", event, i, before[i], after[i]));
            }
        }
    }

    static String nodeId(int i) {
        return String.format(Locale.ROOT, "node-%04d", i);
    }

    private static int[] primaries(RingSnapshot ring, long[] keys, Map<String, Integer> index) {
        int[] out = new int[keys.length];
        for (int i = 0; i < keys.length; i++) {
            out[i] = index.get(ring.primary(keys[i]));
        }
        return out;
    }

    /** Each key's replica set as its three node numbers, sorted and packed 21 bits apart. */
    private static long[] replicaSets(RingSnapshot ring, long[] keys, Map<String, Integer> index) {
        long[] out = new long[keys.length];
        long[] set = new long[REPLICAS];
        for (int i = 0; i < keys.length; i++) {
            List<String> list = ring.preferenceList(keys[i], REPLICAS);
            for (int r = 0; r < REPLICAS; r++) {
                set[r] = index.get(list.get(r));
            }
            Arrays.sort(set);
            out[i] = set[0] | set[1] << 21 | set[2] << 42;
        }
        return out;
    }

    private static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    private static void stddevChart(Config config, ResultTable load, Path file) throws IOException {
        List<Charts.Line> lines = new ArrayList<>();
        int c = 0;
        for (int n : config.nodeCounts()) {
            Color color = Charts.PALETTE[c++ % Charts.PALETTE.length];
            lines.add(Charts.Line.of(n + " nodes, keys", column(load, "vnodes", n), column(load, "stddev_pct", n))
                    .withColor(color));
            lines.add(Charts.Line.of(n + " nodes, token share", column(load, "vnodes", n),
                    column(load, "ownership_stddev_pct", n)).withStyle(Charts.Style.DASHED).withColor(color));
        }
        double[] v = Arrays.stream(config.vnodeCounts()).asDoubleStream().toArray();
        lines.add(Charts.Line.reference("100/sqrt(vnodes)", v, Arrays.stream(v).map(x -> 100 / Math.sqrt(x)).toArray()));
        Charts.writePng(file, "Keys per node: standard deviation vs vnodes",
                Charts.Axes.linear("vnodes per node", "stddev of keys per node, % of mean").withLogX().withLogY(),
                lines);
    }

    private static void movesChart(Config config, ResultTable moves, Path file) throws IOException {
        List<Charts.Line> lines = new ArrayList<>();
        double[] v = Arrays.stream(config.vnodeCounts()).asDoubleStream().toArray();
        int c = 0;
        for (int n : config.nodeCounts()) {
            for (String event : List.of("join", "leave")) {
                Color color = Charts.PALETTE[c++ % Charts.PALETTE.length];
                for (int replicas : new int[] {1, REPLICAS}) {
                    double[] y = new double[v.length];
                    int k = 0;
                    for (List<String> row : moves.rows()) {
                        if (row.get(0).equals(String.valueOf(n)) && row.get(2).equals(event)
                                && row.get(3).equals(String.valueOf(replicas))) {
                            y[k++] = Double.parseDouble(row.get(9));
                        }
                    }
                    lines.add(Charts.Line.of(n + " nodes, " + event + ", N=" + replicas, v, y).withColor(color)
                            .withStyle(replicas == 1 ? Charts.Style.SOLID : Charts.Style.DASHED));
                }
            }
        }
        double[] one = new double[v.length];
        Arrays.fill(one, 1.0);
        lines.add(Charts.Line.reference("ideal", v, one));
        Charts.writePng(file, "Keys moved by one join or leave, relative to the ideal",
                Charts.Axes.linear("vnodes per node", "keys moved / ideal").withLogX(), lines);
    }

    /** The values of {@code column} in the rows of cluster size {@code nodes}, as numbers (NaN if empty). */
    private static double[] column(ResultTable table, String column, int nodes) {
        int c = table.columns().indexOf(column);
        return table.rows().stream().filter(r -> r.get(0).equals(String.valueOf(nodes)))
                .mapToDouble(r -> r.get(c).isEmpty() ? Double.NaN : Double.parseDouble(r.get(c))).toArray();
    }
}
