package io.murmur.sim.experiments;

import io.murmur.membership.Liveness;
import io.murmur.membership.Membership;
import io.murmur.membership.MembershipSettings;
import io.murmur.sim.LinkModel;
import io.murmur.sim.gossip.GossipCluster;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.SplittableRandom;

/**
 * How the gossip membership protocol behaves in the simulator, with its default settings
 * (1 s rounds):
 * <ul>
 *   <li><b>convergence</b>: a cluster of N nodes started at once through two seeds until
 *       every node lists every other; the bytes each node sends per second in steady state;
 *       then new nodes join one by one, and the rounds until every node lists each are
 *       compared with the goal of 2·log2(N); a few more join over a lossy, jittery link;</li>
 *   <li><b>detection</b>: in the same cluster, one node at a time crashes; seconds until every
 *       live node holds it DOWN (goal 5 s), then it restarts and every node must see it ALIVE
 *       again before the next crash;</li>
 *   <li><b>false positives</b>: DOWN verdicts about live nodes over a long run on a lossy,
 *       jittery network; the same with one node at a time paused for a short while, where the
 *       paused node must neither condemn others nor be condemned; and one pause longer than
 *       the acceptable pause, which should be condemned and come back after it resumes;</li>
 *   <li><b>partition</b>: the cluster split in halves for a while, then healed: how much of the
 *       other side each side held DOWN, and the seconds until every node holds every node
 *       ALIVE again and all show the same ring fingerprint.</li>
 * </ul>
 * Everything follows from the seed except the wall-clock time each part took, which is
 * reported as well.
 */
public final class GossipExperiment {
    static final int SEEDS = 2;
    static final int VNODES = 8;
    /** How often conditions are checked while waiting for them: the resolution of the times. */
    static final Duration FINE = Duration.ofMillis(10);
    static final Duration COARSE = Duration.ofMillis(100);
    /** Joins measured per cluster size on the LAN, and on the lossy link. */
    static final int JOINS = 5;
    static final int LOSSY_JOINS = 3;

    /** What to run. */
    public record Config(int[] convergenceSizes, int[] detectionSizes, int crashes, Duration steadyWindow,
                         int falsePositiveNodes, Duration falsePositiveRun, double loss, Duration jitterMean,
                         Duration shortPause, Duration pauseEvery, Duration longPause, int partitionNodes,
                         Duration partitionFor, long seed) {
        public Config {
            convergenceSizes = convergenceSizes.clone();
            detectionSizes = detectionSizes.clone();
            if (crashes < 1 || falsePositiveNodes < 4 || partitionNodes < 4) {
                throw new IllegalArgumentException("need at least one crash and four nodes per cluster");
            }
            for (int n : detectionSizes) {
                if (Arrays.stream(convergenceSizes).noneMatch(c -> c == n)) {
                    throw new IllegalArgumentException("detection runs on a converged cluster: " + n
                            + " must be among the convergence sizes");
                }
            }
        }

        /** 10, 100, 1000 and 2000 nodes; 10 crashes at 100 and 1000; an hour of loss and of pauses at 100 nodes. */
        public static Config full(long seed) {
            return new Config(new int[] {10, 100, 1000, 2000}, new int[] {100, 1000}, 10, Duration.ofSeconds(30),
                    100, Duration.ofHours(1), 0.10, Duration.ofMillis(50), Duration.ofSeconds(2),
                    Duration.ofSeconds(30), Duration.ofSeconds(10), 100, Duration.ofSeconds(30), seed);
        }

        /** 10 and 100 nodes; detection at 100; five minutes of loss and of pauses at 50 nodes. */
        public static Config quick(long seed) {
            return new Config(new int[] {10, 100}, new int[] {100}, 3, Duration.ofSeconds(10),
                    50, Duration.ofMinutes(5), 0.10, Duration.ofMillis(50), Duration.ofSeconds(2),
                    Duration.ofSeconds(30), Duration.ofSeconds(10), 50, Duration.ofSeconds(20), seed);
        }

        /** The lossy, jittery link of the false-positive runs: 1 ms base plus exponential jitter. */
        LinkModel lossyLink() {
            return LinkModel.of(Duration.ofMillis(1), jitterMean, loss, 0);
        }
    }

    /** The tables and the files written. */
    public record Result(ResultTable convergence, ResultTable detection, ResultTable falsePositives,
                         ResultTable longPause, ResultTable partition, List<Path> files) {
    }

    private GossipExperiment() {
    }

    public static Result run(Config config, Path outDir, Progress progress, PrintStream out) throws IOException {
        Files.createDirectories(outDir);
        MembershipSettings settings = MembershipSettings.DEFAULTS;
        double interval = settings.interval().toNanos() / 1e9;
        ResultTable convergence = new ResultTable(String.format(Locale.ROOT,
                "Convergence: N nodes started at once through %d seeds; then %d joins one by one, rounds until "
                        + "every node lists the new one (LAN, %.0f s rounds, seed %d)", SEEDS, JOINS, interval,
                config.seed()),
                List.of("nodes", "full_views_s", "full_views_wall_s", "join_median_rounds", "join_max_rounds",
                        "goal_rounds", "within_goal", "new_node_full_view_s", "lossy_join_max_rounds",
                        "bytes_per_node_s"));
        ResultTable detection = new ResultTable(String.format(Locale.ROOT,
                "Detection: one node crashes; seconds until every live node holds it DOWN (%d crashes, goal 5 s)",
                config.crashes()),
                List.of("nodes", "crashes", "median_s", "max_s", "min_s", "goal_s", "within_goal",
                        "restart_alive_median_s"));
        ResultTable falsePositives = new ResultTable(String.format(Locale.ROOT,
                "False positives: %d nodes, %.0f%% loss, latency 1 ms + exponential jitter (mean %d ms)",
                config.falsePositiveNodes(), config.loss() * 100, config.jitterMean().toMillis()),
                List.of("run", "nodes", "virtual_min", "pauses", "suspect_verdicts", "down_about_live",
                        "down_by_paused", "down_about_paused", "down_other"));
        ResultTable longPause = new ResultTable(String.format(Locale.ROOT,
                "A pause longer than the acceptable pause (%d ms): condemned, and back after it resumes",
                settings.acceptablePause().toMillis()),
                List.of("nodes", "pause_s", "down_at_all_after_s", "back_alive_at_all_after_resume_s",
                        "down_by_paused_node"));
        ResultTable partition = new ResultTable(
                "Partition into halves, then heal (LAN): what each side held of the other, and the time to reconverge",
                List.of("nodes", "partition_s", "cross_pairs_down_pct", "nodes_down_at_whole_other_side",
                        "nodes_never_down_at_other_side", "heal_to_all_alive_and_agreed_s"));
        List<double[]> partitionCurve = new ArrayList<>();

        int total = config.convergenceSizes().length + 3;
        int done = 0;
        for (int n : config.convergenceSizes()) {
            progress.step(String.format(Locale.ROOT, "convergence and detection, %d nodes", n), done++, total);
            boolean detect = Arrays.stream(config.detectionSizes()).anyMatch(d -> d == n);
            convergenceAndDetection(n, detect, config, settings, progress, convergence, detection);
        }
        progress.step(String.format(Locale.ROOT, "false positives, %d nodes, %d min with loss",
                config.falsePositiveNodes(), config.falsePositiveRun().toMinutes()), done++, total);
        lossRun(config, settings, progress, falsePositives);
        progress.step(String.format(Locale.ROOT, "false positives, %d nodes, %d min with pauses",
                config.falsePositiveNodes(), config.falsePositiveRun().toMinutes()), done++, total);
        pauseRun(config, settings, progress, falsePositives, longPause);
        progress.step(String.format(Locale.ROOT, "partition, %d nodes", config.partitionNodes()), done++, total);
        partitionRun(config, settings, progress, partition, partitionCurve);
        progress.step("done", total, total);

        List<Path> files = new ArrayList<>();
        ResultTable[] tables = {convergence, detection, falsePositives, longPause, partition};
        String[] names = {"gossip-convergence.csv", "gossip-detection.csv", "gossip-false-positives.csv",
                "gossip-long-pause.csv", "gossip-partition.csv"};
        for (int i = 0; i < tables.length; i++) {
            Path f = outDir.resolve(names[i]);
            tables[i].writeCsv(f);
            files.add(f);
        }
        Path convergenceChart = outDir.resolve("gossip-convergence.png");
        convergenceChart(convergence, convergenceChart);
        files.add(convergenceChart);
        Path partitionChart = outDir.resolve("gossip-partition.png");
        partitionChart(config, partitionCurve, partitionChart);
        files.add(partitionChart);
        for (ResultTable t : tables) {
            t.print(out);
        }
        return new Result(convergence, detection, falsePositives, longPause, partition, List.copyOf(files));
    }

    // ------------------------------------------------------------------ convergence and detection

    private static void convergenceAndDetection(int n, boolean detect, Config config, MembershipSettings settings,
                                                Progress progress, ResultTable convergence, ResultTable detection) {
        double interval = settings.interval().toNanos() / 1e9;
        GossipCluster cluster = new GossipCluster(config.seed() * 1_000_003L + n, LinkModel.LAN, settings, SEEDS,
                VNODES, false);
        long wall = System.nanoTime();
        cluster.addNodes(n);
        long fullViews = coldStart(cluster, n, progress);
        double fullViewsWall = (System.nanoTime() - wall) / 1e9;

        // steady state: settle, then count bytes over the window
        cluster.runFor(Duration.ofSeconds(10));
        long bytes0 = cluster.bytesSent();
        long t0 = cluster.simulation().now();
        cluster.runFor(config.steadyWindow());
        double bytesPerNodeSecond = (cluster.bytesSent() - bytes0) / (double) n
                / ((cluster.simulation().now() - t0) / 1e9);

        double goal = 2 * log2(n);
        Joins lan = joins(cluster, JOINS, interval);

        if (detect) {
            detection(cluster, n, config, progress, detection);
        }

        // joins on the lossy, jittery link of the false-positive runs; last, because the
        // detectors remember the jitter for their whole window
        cluster.runFor(Duration.ofSeconds(5));
        cluster.simulation().setLink(config.lossyLink());
        Joins lossy = joins(cluster, LOSSY_JOINS, interval);
        cluster.simulation().setLink(LinkModel.LAN);
        cluster.runFor(Duration.ofSeconds(10));

        double median = median(lan.rounds());
        double max = lan.rounds()[lan.rounds().length - 1];
        double lossyMax = lossy.rounds()[lossy.rounds().length - 1];
        double selfView = lan.firstSelfViewSeconds();
        convergence.add(n, fullViews < 0 ? "no" : ResultTable.num(fullViews / 1e9, 1),
                ResultTable.num(fullViewsWall, 1), ResultTable.num(median, 2), rounds(max),
                ResultTable.num(goal, 1), max <= goal ? "yes" : "no",
                Double.isNaN(selfView) ? "no" : ResultTable.num(selfView, 1), rounds(lossyMax),
                ResultTable.num(bytesPerNodeSecond, 0));
        progress.note(String.format(Locale.ROOT, "%d nodes: joins known by all after %.2f rounds (median), %.2f (max), "
                + "goal %.1f; %.2f rounds (max) with loss and jitter", n, median, max, goal, lossyMax));
    }

    /**
     * What a series of joins took: for each new node, sorted, the rounds until every node
     * listed it (infinite if not within 120 s); and the seconds the first new node took to
     * list every member itself (NaN if not within 120 s).
     */
    private record Joins(double[] rounds, double firstSelfViewSeconds) {
    }

    /** Adds {@code count} nodes one after another, 2 s apart, and times each join. */
    private static Joins joins(GossipCluster cluster, int count, double interval) {
        double[] rounds = new double[count];
        double selfViewSeconds = Double.NaN;
        for (int j = 0; j < count; j++) {
            List<String> before = cluster.live();
            String joiner = cluster.addNode();
            long start = cluster.simulation().now();
            OptionalLong known = cluster.runUntil(() -> cluster.allKnow(joiner, before), FINE,
                    Duration.ofSeconds(120));
            rounds[j] = known.isPresent() ? known.getAsLong() / 1e9 / interval : Double.POSITIVE_INFINITY;
            if (j == 0) {
                OptionalLong selfView = cluster.runUntil(() -> cluster.membership(joiner) != null
                        && cluster.membership(joiner).knownMembers() >= before.size(), COARSE,
                        Duration.ofSeconds(120));
                if (selfView.isPresent()) {
                    selfViewSeconds = (cluster.simulation().now() - start) / 1e9;
                }
            }
            cluster.runFor(Duration.ofSeconds(2));
        }
        Arrays.sort(rounds);
        return new Joins(rounds, selfViewSeconds);
    }

    private static String rounds(double value) {
        return Double.isInfinite(value) ? "not within 120 s" : ResultTable.num(value, 2);
    }

    /** Runs until every node lists every other; returns the virtual nanoseconds, or -1 past the limit. */
    private static long coldStart(GossipCluster cluster, int n, Progress progress) {
        long start = cluster.simulation().now();
        long limit = start + Duration.ofSeconds(600).toNanos();
        long lastNote = System.nanoTime();
        while (cluster.simulation().now() < limit) {
            if (cluster.smallestView() >= n - 1 && cluster.fullViews()) {
                return cluster.simulation().now() - start;
            }
            cluster.runFor(COARSE);
            if (System.nanoTime() - lastNote > 10e9) {
                lastNote = System.nanoTime();
                progress.note(String.format(Locale.ROOT, "%d nodes: cold start at %.0f s virtual, smallest view %d/%d",
                        n, (cluster.simulation().now() - start) / 1e9, cluster.smallestView(), n - 1));
            }
        }
        return -1;
    }

    private static void detection(GossipCluster cluster, int n, Config config, Progress progress,
                                  ResultTable detection) {
        SplittableRandom random = new SplittableRandom(config.seed() * 31 + n);
        double[] times = new double[config.crashes()];
        double[] back = new double[config.crashes()];
        int measured = 0;
        List<String> candidates = new ArrayList<>(cluster.live().subList(SEEDS, cluster.live().size()));
        for (int c = 0; c < config.crashes(); c++) {
            String victim = candidates.remove(random.nextInt(candidates.size()));
            cluster.simulation().crash(victim);
            List<String> others = cluster.live();
            OptionalLong down = cluster.runUntil(() -> cluster.allHold(victim, Liveness.DOWN, others), FINE,
                    Duration.ofSeconds(60));
            times[c] = down.isPresent() ? down.getAsLong() / 1e9 : Double.POSITIVE_INFINITY;
            measured++;
            cluster.runFor(Duration.ofSeconds(2));
            cluster.simulation().restart(victim);
            OptionalLong alive = cluster.runUntil(() -> cluster.allHold(victim, Liveness.ALIVE, others), FINE,
                    Duration.ofSeconds(60));
            back[c] = alive.isPresent() ? alive.getAsLong() / 1e9 : Double.POSITIVE_INFINITY;
            progress.note(String.format(Locale.ROOT, "%d nodes: crash %d/%d of %s: DOWN at all after %.2f s, "
                    + "ALIVE again %.2f s after restart", n, c + 1, config.crashes(), victim, times[c], back[c]));
            cluster.runFor(Duration.ofSeconds(5));
        }
        double[] sorted = times.clone();
        Arrays.sort(sorted);
        double[] backSorted = back.clone();
        Arrays.sort(backSorted);
        double max = sorted[measured - 1];
        detection.add(n, measured, ResultTable.num(median(sorted), 2), fmt(max), ResultTable.num(sorted[0], 2), "5",
                max <= 5 ? "yes" : "no", ResultTable.num(median(backSorted), 2));
    }

    // ------------------------------------------------------------------ false positives

    private static GossipCluster lossyCluster(Config config, MembershipSettings settings, long salt,
                                              Progress progress) {
        GossipCluster cluster = new GossipCluster(config.seed() * 7_919 + salt, config.lossyLink(), settings, SEEDS,
                VNODES, true);
        cluster.addNodes(config.falsePositiveNodes());
        if (coldStart(cluster, config.falsePositiveNodes(), progress) < 0) {
            throw new IllegalStateException("the lossy cluster did not converge");
        }
        cluster.runFor(Duration.ofSeconds(30));
        return cluster;
    }

    private static void lossRun(Config config, MembershipSettings settings, Progress progress, ResultTable table) {
        GossipCluster cluster = lossyCluster(config, settings, 1, progress);
        int from = cluster.verdicts().size();
        runInSlices(cluster, config.falsePositiveRun(), progress, "loss run");
        List<GossipCluster.Verdict> verdicts = cluster.verdicts().subList(from, cluster.verdicts().size());
        long suspects = verdicts.stream().filter(v -> v.liveness() == Liveness.SUSPECT).count();
        long downs = verdicts.stream().filter(v -> v.liveness() == Liveness.DOWN).count();
        table.add("loss and jitter", config.falsePositiveNodes(), config.falsePositiveRun().toMinutes(), 0, suspects,
                downs, "", "", "");
    }

    /** A pause: who, from when to when (virtual nanoseconds). */
    private record Pause(String node, long from, long to) {
        boolean covers(String id, long at, long grace) {
            return node.equals(id) && at >= from && at <= to + grace;
        }
    }

    private static void pauseRun(Config config, MembershipSettings settings, Progress progress, ResultTable table,
                                 ResultTable longPauseTable) {
        GossipCluster cluster = lossyCluster(config, settings, 2, progress);
        SplittableRandom random = new SplittableRandom(config.seed() * 131 + 2);
        int from = cluster.verdicts().size();
        long end = cluster.simulation().now() + config.falsePositiveRun().toNanos();
        long every = config.pauseEvery().toNanos();
        List<Pause> pauses = new ArrayList<>();
        long lastNote = System.nanoTime();
        long start = cluster.simulation().now();
        while (true) {
            long gap = every / 2 + random.nextLong(every); // 0.5 to 1.5 times the mean
            if (cluster.simulation().now() + gap + config.shortPause().toNanos() > end) {
                break;
            }
            cluster.simulation().runFor(Duration.ofNanos(gap));
            List<String> live = cluster.live();
            String node = live.get(random.nextInt(live.size()));
            long at = cluster.simulation().now();
            cluster.simulation().pause(node);
            cluster.simulation().runFor(config.shortPause());
            cluster.simulation().resume(node);
            pauses.add(new Pause(node, at, cluster.simulation().now()));
            if (System.nanoTime() - lastNote > 10e9) {
                lastNote = System.nanoTime();
                progress.note(String.format(Locale.ROOT, "pause run: %d pauses, %.0f of %.0f virtual min",
                        pauses.size(), (cluster.simulation().now() - start) / 60e9, (end - start) / 60e9));
            }
        }
        cluster.simulation().runUntil(end);
        // a verdict belongs to a pause from its start until a grace of 10 s after the resume
        long grace = Duration.ofSeconds(10).toNanos();
        long suspects = 0;
        long byPaused = 0;
        long aboutPaused = 0;
        long other = 0;
        for (GossipCluster.Verdict v : cluster.verdicts().subList(from, cluster.verdicts().size())) {
            if (v.liveness() == Liveness.SUSPECT) {
                suspects++;
            }
            if (v.liveness() != Liveness.DOWN) {
                continue;
            }
            if (pauses.stream().anyMatch(p -> p.covers(v.observer(), v.atNanos(), grace))) {
                byPaused++;
            } else if (pauses.stream().anyMatch(p -> p.covers(v.subject(), v.atNanos(), grace))) {
                aboutPaused++;
            } else {
                other++;
            }
        }
        table.add(String.format(Locale.ROOT, "%d s pauses every ~%d s", config.shortPause().toSeconds(),
                        config.pauseEvery().toSeconds()), config.falsePositiveNodes(),
                config.falsePositiveRun().toMinutes(), pauses.size(), suspects, byPaused + aboutPaused + other,
                byPaused, aboutPaused, other);

        // one long pause: it should be condemned, then come back
        List<String> live = cluster.live();
        String node = live.get(SEEDS + random.nextInt(live.size() - SEEDS));
        List<String> others = cluster.liveExcept(node);
        int mark = cluster.verdicts().size();
        cluster.simulation().pause(node);
        OptionalLong down = cluster.runUntil(() -> cluster.allHold(node, Liveness.DOWN, others), FINE,
                config.longPause());
        cluster.simulation().runFor(Duration.ofNanos(config.longPause().toNanos() - down.orElse(
                config.longPause().toNanos())));
        cluster.simulation().resume(node);
        long resumedAt = cluster.simulation().now();
        OptionalLong alive = cluster.runUntil(() -> cluster.allHold(node, Liveness.ALIVE, others), FINE,
                Duration.ofSeconds(60));
        cluster.runFor(Duration.ofSeconds(30));
        long downByPaused = cluster.verdicts().subList(mark, cluster.verdicts().size()).stream()
                .filter(v -> v.observer().equals(node) && v.liveness() == Liveness.DOWN && v.atNanos() >= resumedAt)
                .count();
        longPauseTable.add(config.falsePositiveNodes(), config.longPause().toSeconds(),
                down.isPresent() ? ResultTable.num(down.getAsLong() / 1e9, 2) : "not condemned",
                alive.isPresent() ? ResultTable.num(alive.getAsLong() / 1e9, 2) : "not back", downByPaused);
    }

    private static void runInSlices(GossipCluster cluster, Duration total, Progress progress, String what) {
        long end = cluster.simulation().now() + total.toNanos();
        long start = cluster.simulation().now();
        long lastNote = System.nanoTime();
        while (cluster.simulation().now() < end) {
            cluster.simulation().runUntil(Math.min(end, cluster.simulation().now() + Duration.ofSeconds(10).toNanos()));
            if (System.nanoTime() - lastNote > 10e9) {
                lastNote = System.nanoTime();
                progress.note(String.format(Locale.ROOT, "%s: %.0f of %.0f virtual min", what,
                        (cluster.simulation().now() - start) / 60e9, total.toNanos() / 60e9));
            }
        }
    }

    // ------------------------------------------------------------------ partition

    private static void partitionRun(Config config, MembershipSettings settings, Progress progress, ResultTable table,
                                     List<double[]> curve) {
        int n = config.partitionNodes();
        GossipCluster cluster = new GossipCluster(config.seed() * 104_729 + 3, LinkModel.LAN, settings, SEEDS,
                VNODES, false);
        List<String> ids = cluster.addNodes(n);
        if (coldStart(cluster, n, progress) < 0) {
            throw new IllegalStateException("the partition cluster did not converge");
        }
        cluster.runFor(Duration.ofSeconds(10));
        List<String> left = ids.subList(0, n / 2);
        List<String> right = ids.subList(n / 2, n);
        long start = cluster.simulation().now();
        cluster.simulation().partition(left, right);
        boolean[] everDown = new boolean[n];
        long end = start + config.partitionFor().toNanos();
        while (cluster.simulation().now() < end) {
            cluster.simulation().runUntil(Math.min(end, cluster.simulation().now() + COARSE.toNanos()));
            curve.add(new double[] {(cluster.simulation().now() - start) / 1e9,
                    crossDownPercent(cluster, left, right, everDown, ids)});
        }
        double atEnd = crossDownPercent(cluster, left, right, everDown, ids);
        int wholeSide = 0;
        for (String id : ids) {
            List<String> otherSide = left.contains(id) ? right : left;
            if (cluster.holding(id, Liveness.DOWN, otherSide) == otherSide.size()) {
                wholeSide++;
            }
        }
        int never = 0;
        for (boolean b : everDown) {
            if (!b) {
                never++;
            }
        }
        cluster.simulation().heal();
        long healedAt = cluster.simulation().now();
        OptionalLong healed = OptionalLong.empty();
        long limit = healedAt + Duration.ofSeconds(120).toNanos();
        while (cluster.simulation().now() < limit) {
            if (cluster.allAliveAndAgreed()) {
                healed = OptionalLong.of(cluster.simulation().now() - healedAt);
                break;
            }
            cluster.simulation().runUntil(cluster.simulation().now() + FINE.toNanos());
            if ((cluster.simulation().now() - healedAt) % COARSE.toNanos() == 0) {
                curve.add(new double[] {(cluster.simulation().now() - start) / 1e9,
                        crossDownPercent(cluster, left, right, everDown, ids)});
            }
        }
        curve.add(new double[] {(cluster.simulation().now() - start) / 1e9,
                crossDownPercent(cluster, left, right, everDown, ids)});
        for (int i = 0; i < 50; i++) {
            cluster.runFor(COARSE);
            curve.add(new double[] {(cluster.simulation().now() - start) / 1e9,
                    crossDownPercent(cluster, left, right, everDown, ids)});
        }
        table.add(n, config.partitionFor().toSeconds(), ResultTable.num(atEnd, 1), wholeSide, never,
                healed.isPresent() ? ResultTable.num(healed.getAsLong() / 1e9, 2) : "not within 120 s");
        progress.note(String.format(Locale.ROOT, "partition: %.1f%% of cross pairs DOWN at the heal; healed in %s",
                atEnd, healed.isPresent() ? ResultTable.num(healed.getAsLong() / 1e9, 2) + " s" : "never"));
    }

    /** Percentage of (observer, subject) pairs across the cut where the observer holds the subject DOWN. */
    private static double crossDownPercent(GossipCluster cluster, List<String> left, List<String> right,
                                           boolean[] everDown, List<String> ids) {
        long down = 0;
        long pairs = 0;
        for (int side = 0; side < 2; side++) {
            List<String> observers = side == 0 ? left : right;
            List<String> subjects = side == 0 ? right : left;
            for (String o : observers) {
                Membership m = cluster.membership(o);
                for (String s : subjects) {
                    pairs++;
                    if (m.liveness(s).orElse(null) == Liveness.DOWN) {
                        down++;
                        everDown[ids.indexOf(s)] = true;
                    }
                }
            }
        }
        return 100.0 * down / pairs;
    }

    // ------------------------------------------------------------------ charts and figures

    private static void convergenceChart(ResultTable convergence, Path file) throws IOException {
        List<List<String>> rows = convergence.rows();
        List<String> columns = convergence.columns();
        double[] n = new double[rows.size()];
        double[] median = new double[rows.size()];
        double[] max = new double[rows.size()];
        double[] lossy = new double[rows.size()];
        double[] goal = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            List<String> row = rows.get(i);
            n[i] = Double.parseDouble(row.get(0));
            median[i] = parseOrNaN(row.get(columns.indexOf("join_median_rounds")));
            max[i] = parseOrNaN(row.get(columns.indexOf("join_max_rounds")));
            lossy[i] = parseOrNaN(row.get(columns.indexOf("lossy_join_max_rounds")));
            goal[i] = 2 * log2(n[i]);
        }
        Charts.writePng(file, "A new member: rounds until every node lists it",
                Charts.Axes.linear("nodes", "rounds (1 s each)").withLogX(),
                List.of(Charts.Line.of("median of " + JOINS + " joins (LAN)", n, median),
                        Charts.Line.of("slowest of " + JOINS + " joins (LAN)", n, max)
                                .withStyle(Charts.Style.DASHED),
                        Charts.Line.of("slowest of " + LOSSY_JOINS + " joins (10% loss, jitter)", n, lossy),
                        Charts.Line.reference("goal 2 log2(N)", n, goal)));
    }

    private static void partitionChart(Config config, List<double[]> curve, Path file) throws IOException {
        double[] x = curve.stream().mapToDouble(p -> p[0]).toArray();
        double[] y = curve.stream().mapToDouble(p -> p[1]).toArray();
        double heal = config.partitionFor().toNanos() / 1e9;
        Charts.writePng(file, String.format(Locale.ROOT,
                        "Partition of %d nodes into halves for %.0f s, then healed", config.partitionNodes(), heal),
                Charts.Axes.linear("seconds since the partition", "% of cross-side pairs held DOWN"),
                List.of(Charts.Line.of("held DOWN across the cut", x, y).withStyle(Charts.Style.SOLID),
                        Charts.Line.reference("heal", new double[] {heal, heal}, new double[] {0, 100})));
    }

    private static double parseOrNaN(String cell) {
        try {
            return Double.parseDouble(cell);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static String fmt(double seconds) {
        return Double.isInfinite(seconds) ? "not within 60 s" : ResultTable.num(seconds, 2);
    }

    static double log2(double n) {
        return Math.log(n) / Math.log(2);
    }

    static double median(double[] sorted) {
        int k = sorted.length;
        return k % 2 == 1 ? sorted[k / 2] : (sorted[k / 2 - 1] + sorted[k / 2]) / 2;
    }
}
