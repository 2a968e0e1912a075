package io.murmur.sim.experiments;

import io.murmur.ring.RingSnapshot;

import java.awt.Color;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.stream.IntStream;

/**
 * Routing past failed nodes: how fast, and how evenly the failed nodes' keys spread over the
 * survivors, for five routers on the same keys.
 *
 * <ul>
 * <li>{@code ring}: our vnode ring, first healthy node of the sloppy placement, read from an
 * availability view built once per failed set ({@link RingRouter}).</li>
 * <li>{@code ring (walk)}: the same placement computed per lookup, walking past failed nodes
 * ({@link RingWalkRouter}); it routes every key as {@code ring} does (checked), so it has
 * throughput figures only.</li>
 * <li>{@code jump key+1}: jump consistent hash, probing {@code jump(key + i)} past failed buckets.</li>
 * <li>{@code jump random}: jump hash, probing random buckets from a generator seeded with the key.</li>
 * <li>{@code table}: a key to node {@code HashMap} whose owner moves a failed node's keys to the
 * least-loaded survivors ({@link TableRouter}); and {@code redis table}, the same table in a
 * local Redis, when {@code redis-server} is on the PATH ({@link RedisTableRouter}).</li>
 * </ul>
 *
 * <p>For each cluster size, nodes fail in a seeded random order and the failed sets grow
 * (the 4 failed include the 2). At each point every router routes every key once: a key whose
 * node is live must stay put (checked), and the keys a survivor gained over the no-failure
 * routing are its extra load, summarised as max/mean and standard deviation (% of the mean)
 * over all survivors. Then throughput: per router a batch size calibrated to a target time,
 * a warm-up run, then repetitions that take every router and thread count in turn; the
 * table reports the median of the repetitions, and the heap bytes the routing threads
 * allocated per lookup (the JVM's per-thread count). The ring's view is built outside the timed
 * runs; its build time per failed set is reported on its own (the median of as many builds
 * as repetitions).
 */
public final class FailoverExperiment {
    static final String RACK = "r0";
    static final String NO_REDIS_NOTICE = "redis-server not found: skipping the Redis table";
    /** Untimed runs per router after calibration, alternating 1 thread and the most threads. */
    static final int WARMUP_RUNS = 4;
    /** Keys checked against the in-memory table after each Redis update. */
    static final int REDIS_CHECK_KEYS = 1_000;

    /** A cluster size and the failed counts to measure, ascending. */
    public record Cluster(int nodes, int[] failedCounts) {
        public Cluster {
            failedCounts = failedCounts.clone();
            for (int i = 0; i < failedCounts.length; i++) {
                if (failedCounts[i] < 0 || failedCounts[i] >= nodes || (i > 0 && failedCounts[i] <= failedCounts[i - 1])) {
                    throw new IllegalArgumentException("failed counts must ascend within [0, nodes): "
                            + Arrays.toString(failedCounts));
                }
            }
        }
    }

    /** What to run. */
    public record Config(List<Cluster> clusters, int vnodes, int keys, int[] threads, int reps,
                         long targetBatchNanos, boolean redis, long seed) {
        public Config {
            clusters = List.copyOf(clusters);
            threads = threads.clone();
            if (keys < 1 || reps < 1 || vnodes < 1 || threads.length == 0 || targetBatchNanos < 1) {
                throw new IllegalArgumentException("need keys, reps, vnodes, threads and a batch time");
            }
        }

        /** 1024 nodes with 0, 2, 4, ..., 512 failed and 64 with 0, 4, ..., 32; 256 vnodes; 4M keys. */
        public static Config full(long seed) {
            return new Config(standardClusters(), 256, 4_000_000, new int[] {1, 2}, 5,
                    TimeUnit.MILLISECONDS.toNanos(200), true, seed);
        }

        /** The same points with 100k keys, 3 repetitions of ~25 ms batches. */
        public static Config quick(long seed) {
            return new Config(standardClusters(), 256, 100_000, new int[] {1, 2}, 3,
                    TimeUnit.MILLISECONDS.toNanos(25), true, seed);
        }

        public Config withoutRedis() {
            return new Config(clusters, vnodes, keys, threads, reps, targetBatchNanos, false, seed);
        }

        private static List<Cluster> standardClusters() {
            int[] big = new int[10];
            for (int i = 1; i < big.length; i++) {
                big[i] = 1 << i;
            }
            int[] small = IntStream.rangeClosed(0, 8).map(i -> 4 * i).toArray();
            return List.of(new Cluster(1024, big), new Cluster(64, small));
        }
    }

    /** The long-format tables (one row per measurement, as in the CSV files) and the files written. */
    public record Result(ResultTable throughput, ResultTable spread, ResultTable viewBuild, List<Path> files) {
    }

    private record Speed(int nodes, int failed, String router, int threads, double median, double min,
                         double max, double bytesPerLookup) {
    }

    private record Spread(int nodes, int failed, String router, long orphaned, LoadStats extra, int gaining,
                          double loadMaxOverMean) {
    }

    /**
     * Build times of the ring's availability view for one failed set, in nanoseconds: the
     * build {@link RingRouter#setFailed} made, then rebuilds of the same view.
     */
    private record Build(int nodes, int failed, int tokens, long[] nanos) {
        double medianMs() {
            return Throughput.median(Arrays.stream(nanos).asDoubleStream().toArray()) / 1e6;
        }

        double minMs() {
            return Arrays.stream(nanos).min().orElseThrow() / 1e6;
        }

        double maxMs() {
            return Arrays.stream(nanos).max().orElseThrow() / 1e6;
        }
    }

    private FailoverExperiment() {
    }

    public static Result run(Config config, Path outDir, Progress progress, PrintStream out) throws IOException {
        Files.createDirectories(outDir);
        Optional<Path> redisBinary = config.redis() ? RedisServer.findOnPath() : Optional.empty();
        if (config.redis() && redisBinary.isEmpty()) {
            out.println(NO_REDIS_NOTICE);
            progress.note(NO_REDIS_NOTICE);
        }
        long[] keys = Keys.randomHashes(config.seed(), config.keys());
        ResultTable speedTable = new ResultTable("Routing throughput", List.of("nodes", "failed", "router",
                "threads", "lookups_per_s_median", "lookups_per_s_min", "lookups_per_s_max", "reps",
                "alloc_bytes_per_lookup_median"));
        ResultTable spreadTable = new ResultTable("Extra load on survivors", List.of("nodes", "failed", "router",
                "orphaned_keys", "extra_mean", "extra_max_over_mean", "extra_stddev_pct", "survivors_gaining",
                "survivors", "load_max_over_mean"));
        ResultTable buildTable = new ResultTable("Ring availability view build", List.of("nodes", "failed",
                "tokens", "build_ms_median", "build_ms_min", "build_ms_max", "builds"));
        List<Path> files = new ArrayList<>();
        int maxThreads = maxThreads(config);
        int total = config.clusters().stream().mapToInt(c -> c.failedCounts().length).sum();
        int[] done = {0};
        try (Throughput meter = new Throughput(maxThreads);
             RedisServer redis = redisBinary.isPresent() ? RedisServer.start(redisBinary.get()) : null) {
            for (Cluster cluster : config.clusters()) {
                List<Speed> speeds = new ArrayList<>();
                List<Spread> spreads = new ArrayList<>();
                List<Build> builds = new ArrayList<>();
                runCluster(cluster, config, keys, redis, meter, progress, done, total, speeds, spreads, builds);
                for (Speed s : speeds) {
                    speedTable.add(s.nodes(), s.failed(), s.router(), s.threads(), ResultTable.num(s.median(), 0),
                            ResultTable.num(s.min(), 0), ResultTable.num(s.max(), 0), config.reps(),
                            ResultTable.num(s.bytesPerLookup(), 1));
                }
                for (Spread s : spreads) {
                    spreadTable.add(s.nodes(), s.failed(), s.router(), s.orphaned(),
                            ResultTable.num(s.extra().mean(), 2), ResultTable.num(s.extra().maxOverMean(), 3),
                            ResultTable.num(s.extra().stddevPercent(), 1), s.gaining(), s.extra().count(),
                            ResultTable.num(s.loadMaxOverMean(), 3));
                }
                for (Build b : builds) {
                    buildTable.add(b.nodes(), b.failed(), b.tokens(), ResultTable.num(b.medianMs(), 3),
                            ResultTable.num(b.minMs(), 3), ResultTable.num(b.maxMs(), 3), b.nanos().length);
                }
                printWide(cluster, config, speeds, spreads, builds, out);
                files.addAll(charts(cluster, config, speeds, spreads, outDir));
            }
        }
        progress.step("done", total, total);
        Path speedCsv = outDir.resolve("failover-throughput.csv");
        speedTable.writeCsv(speedCsv);
        Path spreadCsv = outDir.resolve("failover-spread.csv");
        spreadTable.writeCsv(spreadCsv);
        Path buildCsv = outDir.resolve("failover-view-build.csv");
        buildTable.writeCsv(buildCsv);
        files.add(0, buildCsv);
        files.add(0, spreadCsv);
        files.add(0, speedCsv);
        return new Result(speedTable, spreadTable, buildTable, List.copyOf(files));
    }

    private static void runCluster(Cluster cluster, Config config, long[] keys, RedisServer redis, Throughput meter,
                                   Progress progress, int[] done, int total, List<Speed> speeds,
                                   List<Spread> spreads, List<Build> builds) throws IOException {
        int n = cluster.nodes();
        String[] ids = new String[n];
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < n; i++) {
            ids[i] = String.format(Locale.ROOT, "node-%04d", i);
            index.put(ids[i], i);
        }
        progress.note(String.format(Locale.ROOT, "%d nodes: building the routers (%,d keys)", n, keys.length));
        TableRouter table = new TableRouter(ids, keys);
        RingSnapshot snapshot = RingRouter.ring(ids, config.vnodes(), RACK);
        RingRouter ring = new RingRouter(ids, snapshot);
        RingWalkRouter ringWalk = new RingWalkRouter(ids, snapshot);
        List<Router> routers = new ArrayList<>(List.of(ring, ringWalk,
                new JumpRouter(ids, JumpRouter.Probe.KEY_PLUS_ONE), new JumpRouter(ids, JumpRouter.Probe.RANDOM),
                table));
        RedisTableRouter redisTable = null;
        try {
            if (redis != null) {
                progress.note(String.format(Locale.ROOT, "%d nodes: loading the Redis table", n));
                redisTable = new RedisTableRouter(table, redis);
                routers.add(redisTable);
            }
            Map<Router, int[]> base = new HashMap<>();
            for (Router r : routers) {
                if (r != redisTable && r != ringWalk) {
                    base.put(r, routeAll(r, keys, index));
                }
            }
            Map<Router, Integer> batch = new HashMap<>();
            for (Router r : routers) {
                batch.put(r, meter.calibrate(r, keys, config.targetBatchNanos()));
            }
            System.gc();
            for (Router r : routers) {
                for (int w = 0; w < WARMUP_RUNS; w++) {
                    meter.run(r, keys, w % 2 == 0 ? 1 : maxThreads(config), batch.get(r), w * 7919);
                }
            }
            int[] order = Keys.permutation(n, new SplittableRandom(config.seed() ^ (0x9e3779b97f4a7c15L * n)));
            SplittableRandom checks = new SplittableRandom(config.seed() + n);
            for (int f : cluster.failedCounts()) {
                progress.step(String.format(Locale.ROOT, "%d nodes, %d failed", n, f), done[0]++, total);
                BitSet failed = new BitSet(n);
                for (int i = 0; i < f; i++) {
                    failed.set(order[i]);
                }
                for (Router r : routers) {
                    r.setFailed(failed);
                }
                long[] buildNanos = new long[config.reps()];
                buildNanos[0] = ring.buildNanos();
                System.arraycopy(ring.rebuildNanos(config.reps() - 1), 0, buildNanos, 1, config.reps() - 1);
                builds.add(new Build(n, f, ring.tokens(), buildNanos));
                for (Router r : routers) {
                    if (r != redisTable && r != ringWalk) {
                        int[] now = routeAll(r, keys, index);
                        spreads.add(spread(n, f, r, base.get(r), now, failed));
                        if (r == ring && !Arrays.equals(now, routeAll(ringWalk, keys, index))) {
                            throw new IllegalStateException("the ring's view and its walk route differently with "
                                    + f + " of " + n + " failed");
                        }
                    }
                }
                if (redisTable != null) {
                    for (int c = 0; c < REDIS_CHECK_KEYS; c++) {
                        long key = keys[checks.nextInt(keys.length)];
                        if (!redisTable.route(key).equals(table.route(key))) {
                            throw new IllegalStateException("the Redis table disagrees with the table on " + key);
                        }
                    }
                }
                speeds.addAll(throughput(n, f, routers, keys, batch, config, meter));
            }
        } finally {
            for (Router r : routers) {
                r.close();
            }
        }
    }

    /**
     * One warm-up run per router (its failed set just changed), then the repetitions. A
     * repetition runs every router at every thread count in turn, so a burst of load from
     * elsewhere on the machine hits all of them alike instead of one router's whole sample.
     */
    private static List<Speed> throughput(int n, int f, List<Router> routers, long[] keys,
                                          Map<Router, Integer> batch, Config config, Throughput meter)
            throws IOException {
        int[] threads = config.threads();
        double[][][] rates = new double[routers.size()][threads.length][config.reps()];
        double[][][] bytes = new double[routers.size()][threads.length][config.reps()];
        for (Router r : routers) {
            meter.run(r, keys, 1, batch.get(r), 0);
        }
        int offset = 0;
        for (int rep = 0; rep < config.reps(); rep++) {
            for (int ri = 0; ri < routers.size(); ri++) {
                for (int t = 0; t < threads.length; t++) {
                    offset = (offset + 7919 * (rep + 1)) % keys.length;
                    Router r = routers.get(ri);
                    Throughput.Run run = meter.run(r, keys, threads[t], batch.get(r), offset);
                    rates[ri][t][rep] = run.lookupsPerSecond();
                    bytes[ri][t][rep] = run.bytesPerLookup();
                }
            }
        }
        List<Speed> out = new ArrayList<>();
        for (int ri = 0; ri < routers.size(); ri++) {
            for (int t = 0; t < threads.length; t++) {
                double[] v = rates[ri][t];
                out.add(new Speed(n, f, routers.get(ri).name(), threads[t], Throughput.median(v),
                        Arrays.stream(v).min().orElseThrow(), Arrays.stream(v).max().orElseThrow(),
                        Throughput.median(bytes[ri][t])));
            }
        }
        return out;
    }

    private static int[] routeAll(Router r, long[] keys, Map<String, Integer> index) throws IOException {
        int[] out = new int[keys.length];
        for (int i = 0; i < keys.length; i++) {
            out[i] = index.get(r.route(keys[i]));
        }
        return out;
    }

    /** The extra load per survivor; fails if a key went to a failed node or left a live one. */
    static Spread spread(int n, int f, Router r, int[] base, int[] now, BitSet failed) {
        long[] extra = new long[n];
        long[] load = new long[n];
        long orphaned = 0;
        for (int k = 0; k < base.length; k++) {
            if (failed.get(now[k])) {
                throw new IllegalStateException(r.name() + " routed key " + k + " to failed node " + now[k]);
            }
            if (failed.get(base[k])) {
                orphaned++;
                extra[now[k]]++;
            } else if (now[k] != base[k]) {
                throw new IllegalStateException(r.name() + " moved key " + k + " off live node " + base[k]);
            }
            load[now[k]]++;
        }
        long[] survivorsExtra = new long[n - f];
        long[] survivorsLoad = new long[n - f];
        int s = 0;
        int gaining = 0;
        for (int node = 0; node < n; node++) {
            if (!failed.get(node)) {
                survivorsExtra[s] = extra[node];
                survivorsLoad[s++] = load[node];
                if (extra[node] > 0) {
                    gaining++;
                }
            }
        }
        return new Spread(n, f, r.name(), orphaned, LoadStats.of(survivorsExtra), gaining,
                LoadStats.of(survivorsLoad).maxOverMean());
    }

    private static int maxThreads(Config config) {
        return Arrays.stream(config.threads()).max().orElseThrow();
    }

    private static List<String> routerNames(List<Speed> speeds) {
        return speeds.stream().map(Speed::router).distinct().toList();
    }

    private static void printWide(Cluster cluster, Config config, List<Speed> speeds, List<Spread> spreads,
                                  List<Build> builds, PrintStream out) {
        List<String> routers = routerNames(speeds);
        List<String> cols = new ArrayList<>(List.of("failed"));
        for (String r : routers) {
            for (int t : config.threads()) {
                cols.add(r + " " + t + "t");
            }
        }
        ResultTable speed = new ResultTable(String.format(Locale.ROOT,
                "Routing throughput, %d nodes: lookups/s, median of %d runs (1t, 2t: threads)",
                cluster.nodes(), config.reps()), cols);
        for (int f : cluster.failedCounts()) {
            List<Object> row = new ArrayList<>(List.of(f));
            for (String r : routers) {
                for (int t : config.threads()) {
                    row.add(speeds.stream().filter(s -> s.failed() == f && s.router().equals(r) && s.threads() == t)
                            .map(s -> ResultTable.rate(s.median())).findFirst().orElse(""));
                }
            }
            speed.add(row.toArray());
        }
        speed.print(out);

        int oneThread = config.threads()[0];
        List<String> allocCols = new ArrayList<>(List.of("failed"));
        allocCols.addAll(routers);
        ResultTable alloc = new ResultTable(String.format(Locale.ROOT,
                "Heap allocated per lookup, %d nodes: bytes, median of %d runs with %d thread%s",
                cluster.nodes(), config.reps(), oneThread, oneThread == 1 ? "" : "s"), allocCols);
        for (int f : cluster.failedCounts()) {
            List<Object> row = new ArrayList<>(List.of(f));
            for (String r : routers) {
                row.add(speeds.stream().filter(s -> s.failed() == f && s.router().equals(r) && s.threads() == oneThread)
                        .map(s -> ResultTable.num(s.bytesPerLookup(), 1)).findFirst().orElse(""));
            }
            alloc.add(row.toArray());
        }
        alloc.print(out);

        ResultTable build = new ResultTable(String.format(Locale.ROOT,
                "Ring availability view build, %d nodes (%,d tokens): ms per failed set, median of %d builds;"
                        + " done once per failed set, not part of the lookups/s above", cluster.nodes(),
                builds.isEmpty() ? 0 : builds.get(0).tokens(), config.reps()),
                List.of("failed", "build ms", "min", "max"));
        for (Build b : builds) {
            build.add(b.failed(), ResultTable.num(b.medianMs(), 2), ResultTable.num(b.minMs(), 2),
                    ResultTable.num(b.maxMs(), 2));
        }
        build.print(out);

        List<String> spreadRouters = spreads.stream().map(Spread::router).distinct().toList();
        List<String> spreadCols = new ArrayList<>(List.of("failed", "extra mean (jump)", "poisson sd%"));
        for (String r : spreadRouters) {
            spreadCols.add(r + " max/mean");
            spreadCols.add(r + " sd%");
        }
        ResultTable spread = new ResultTable(String.format(Locale.ROOT,
                "Extra keys per survivor, %d nodes, %,d keys: max/mean and standard deviation (%% of mean);"
                        + " poisson sd%%: what a uniformly random spread would show", cluster.nodes(), config.keys()),
                spreadCols);
        List<String> loadCols = new ArrayList<>(List.of("failed"));
        loadCols.addAll(spreadRouters);
        ResultTable load = new ResultTable(String.format(Locale.ROOT,
                "All keys per survivor, %d nodes: max/mean", cluster.nodes()), loadCols);
        for (int f : cluster.failedCounts()) {
            if (f == 0) {
                continue;
            }
            List<Spread> at = spreads.stream().filter(s -> s.failed() == f).toList();
            double mean = reference(at).extra().mean();
            List<Object> row = new ArrayList<>(List.of(f, ResultTable.num(mean, 1),
                    ResultTable.num(poissonStddevPercent(mean), 1)));
            List<Object> loadRow = new ArrayList<>(List.of(f));
            for (String r : spreadRouters) {
                Spread s = at.stream().filter(x -> x.router().equals(r)).findFirst().orElseThrow();
                row.add(ResultTable.num(s.extra().maxOverMean(), 2));
                row.add(ResultTable.num(s.extra().stddevPercent(), 1));
                loadRow.add(ResultTable.num(s.loadMaxOverMean(), 3));
            }
            spread.add(row.toArray());
            load.add(loadRow.toArray());
        }
        if (!spread.rows().isEmpty()) {
            spread.print(out);
            load.print(out);
        }
    }

    /**
     * The row whose orphaned keys set the Poisson reference: the random re-probe's (the jump
     * routers and the table share one starting placement, so the same orphans; the ring's differ).
     */
    private static Spread reference(List<Spread> atOnePoint) {
        return atOnePoint.stream().filter(s -> s.router().equals(JumpRouter.Probe.RANDOM.label)).findFirst()
                .orElse(atOnePoint.get(0));
    }

    /**
     * The standard deviation, as % of the mean, of counts that are Poisson with that mean:
     * what a perfectly random spread of the orphaned keys shows from sampling alone.
     */
    static double poissonStddevPercent(double mean) {
        return mean > 0 ? 100 / Math.sqrt(mean) : Double.NaN;
    }

    private static List<Path> charts(Cluster cluster, Config config, List<Speed> speeds, List<Spread> spreads,
                                     Path outDir) throws IOException {
        int n = cluster.nodes();
        int[] failedCounts = cluster.failedCounts();
        String[] labels = Arrays.stream(failedCounts).mapToObj(Integer::toString).toArray(String[]::new);
        double[] x = IntStream.range(0, failedCounts.length).asDoubleStream().toArray();
        List<Path> files = new ArrayList<>();

        List<String> routers = routerNames(speeds);
        List<Charts.Line> lines = new ArrayList<>();
        for (String r : routers) {
            for (int ti = 0; ti < config.threads().length; ti++) {
                int t = config.threads()[ti];
                double[] y = new double[failedCounts.length];
                for (int i = 0; i < failedCounts.length; i++) {
                    int f = failedCounts[i];
                    y[i] = speeds.stream().filter(s -> s.failed() == f && s.router().equals(r) && s.threads() == t)
                            .mapToDouble(Speed::median).findFirst().orElse(Double.NaN) / 1e6;
                }
                lines.add(Charts.Line.of(r + ", " + t + (t == 1 ? " thread" : " threads"), x, y)
                        .withColor(color(r))
                        .withStyle(ti == 0 ? Charts.Style.SOLID : Charts.Style.DASHED));
            }
        }
        Path speedPng = outDir.resolve("failover-throughput-" + n + ".png");
        Charts.Axes axes = Charts.Axes.linear("failed nodes of " + n, "million lookups/s (median)").withXLabels(labels);
        Charts.writePng(speedPng, "Routing throughput, " + n + " nodes",
                routers.contains("redis table") ? axes.withLogY() : axes, lines);
        files.add(speedPng);

        if (Arrays.stream(failedCounts).anyMatch(f -> f > 0)) {
            List<String> spreadRouters = spreads.stream().map(Spread::router).distinct().toList();
            files.add(spreadChart(n, failedCounts, spreadRouters, spreads, outDir, "spread",
                    "How the failed nodes' keys spread over the survivors, " + n + " nodes",
                    "max/mean of extra keys per survivor", s -> s.extra().maxOverMean(), false));
            files.add(spreadChart(n, failedCounts, spreadRouters, spreads, outDir, "stddev",
                    "Extra keys per survivor: standard deviation, " + n + " nodes",
                    "stddev of extra keys, % of mean", s -> s.extra().stddevPercent(), true));
            files.add(spreadChart(n, failedCounts, spreadRouters, spreads, outDir, "load",
                    "All keys per survivor after failover, " + n + " nodes",
                    "max/mean of keys per survivor", Spread::loadMaxOverMean, false));
        }
        return files;
    }

    private static Path spreadChart(int n, int[] failedCounts, List<String> routers, List<Spread> spreads,
                                    Path outDir, String name, String title, String yTitle,
                                    ToDoubleFunction<Spread> metric, boolean poisson) throws IOException {
        int[] points = Arrays.stream(failedCounts).filter(f -> f > 0).toArray();
        String[] labels = Arrays.stream(points).mapToObj(Integer::toString).toArray(String[]::new);
        double[] x = IntStream.range(0, points.length).asDoubleStream().toArray();
        List<Charts.Line> lines = new ArrayList<>();
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (String r : routers) {
            double[] y = Arrays.stream(points).mapToDouble(f -> spreads.stream()
                    .filter(s -> s.failed() == f && s.router().equals(r)).mapToDouble(metric).findFirst()
                    .orElse(Double.NaN)).toArray();
            for (double v : y) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            lines.add(Charts.Line.of(r, x, y).withColor(color(r)));
        }
        if (poisson) {
            double[] y = Arrays.stream(points).mapToDouble(f -> poissonStddevPercent(reference(spreads.stream()
                    .filter(s -> s.failed() == f).toList()).extra().mean())).toArray();
            lines.add(Charts.Line.reference("uniformly random (Poisson)", x, y));
        }
        Charts.Axes axes = Charts.Axes.linear("failed nodes of " + n, yTitle).withXLabels(labels);
        Path png = outDir.resolve("failover-" + name + "-" + n + ".png");
        Charts.writePng(png, title, lo > 0 && hi / lo > 10 ? axes.withLogY() : axes, lines);
        return png;
    }

    /**
     * A router's colour, the same in every chart: the palette in the order ring, key+1,
     * random, table, Redis table; the ring's walk in the palette's last colour, a lighter blue
     * next to the ring's.
     */
    private static Color color(String router) {
        int i = List.of("ring", JumpRouter.Probe.KEY_PLUS_ONE.label, JumpRouter.Probe.RANDOM.label, "table",
                "redis table").indexOf(router);
        return router.equals("ring (walk)") ? Charts.PALETTE[Charts.PALETTE.length - 1]
                : Charts.PALETTE[Math.floorMod(i, Charts.PALETTE.length)];
    }
}
