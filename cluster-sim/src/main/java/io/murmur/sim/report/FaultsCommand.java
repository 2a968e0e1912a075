package io.murmur.sim.report;

import io.murmur.client.GetOptions;
import io.murmur.client.GetResult;
import io.murmur.client.MurmurClient;
import io.murmur.client.RepairProgress;
import io.murmur.sim.experiments.Charts;
import io.murmur.sim.local.LocalCluster;
import io.murmur.sim.ycsb.FieldCodec;
import io.murmur.sim.ycsb.MurmurYcsbClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.awt.Color;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code cluster-sim report faults}: workload A with inserts on a three-node local cluster
 * (N=3, R=W=2) while one node is killed (SIGKILL) and restarted. YCSB runs in a child JVM
 * with {@link RecordingYcsbClient}, which counts outcomes per second and writes down every
 * acknowledged insert. Writes {@code faults.csv} (per second: operations by outcome),
 * {@code faults.png}, {@code faults.md}; reads every acknowledged insert back with R=2 and
 * counts the missing ones, then repairs the restarted node (anti-entropy, every range it
 * replicates) and reads them all back again. Exit status 1 if any is missing.
 */
@Command(name = "faults", mixinStandardHelpOptions = true,
        description = "Workload A with inserts on 3 nodes while one node is killed and restarted: throughput per "
                + "second, errors by type, and a read-back of every acknowledged insert.")
public final class FaultsCommand implements Callable<Integer> {
    @Option(names = "--seconds", description = "Length of the YCSB run (default: ${DEFAULT-VALUE}).")
    int seconds = 90;

    @Option(names = "--kill-at", description = "Seconds into the run when the node is killed (default: ${DEFAULT-VALUE}).")
    int killAt = 20;

    @Option(names = "--down-for", description = "Seconds the node stays down (default: ${DEFAULT-VALUE}).")
    int downFor = 30;

    @Option(names = "--victim", description = "The node killed (default: ${DEFAULT-VALUE}).")
    String victim = "n2";

    @Option(names = "--records", description = "Records loaded first (default: ${DEFAULT-VALUE}).")
    int records = 100_000;

    @Option(names = "--threads", description = "YCSB threads (default: ${DEFAULT-VALUE}).")
    int threads = 16;

    @Option(names = "--insert-proportion", description = "Share of inserts; reads and updates share the rest "
            + "equally (default: ${DEFAULT-VALUE}).")
    double insertProportion = 0.1;

    @Option(names = "--out", description = "Where the results go (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("docs", "results", "ycsb");

    @Option(names = "--work-dir", description = "The cluster's data and logs (default: a temporary dir).")
    Path workDir;

    @Option(names = "--java-opts", description = "JVM options of the nodes (default: those of `local up`).")
    String nodeJavaOpts;

    @Option(names = "--ycsb-java-opts", description = "JVM options of YCSB's client (default: ${DEFAULT-VALUE}).")
    String ycsbJavaOpts = "-Xmx1g -XX:+UseZGC";

    @Option(names = "--set", description = "KEY=VALUE of conf/node.yaml for every node (repeatable).")
    List<String> settings = new ArrayList<>();

    /** What the run found, for tests. */
    record Outcome(long acknowledged, long missing, long unreadable, Map<String, Long> failures) {
    }

    Outcome outcome;

    @Override
    public Integer call() throws Exception {
        PrintStream log = System.out;
        Path work = workDir != null ? workDir : Files.createTempDirectory("murmur-faults");
        Files.createDirectories(out);
        Path clusterDir = work.resolve("cluster");
        Path recordDir = work.resolve("record");
        List<String> ycsbJvm = ReportCommand.split(ycsbJavaOpts);
        long killedAt;
        long restartedAt;
        long backAt;
        try (LocalCluster cluster = LocalCluster.open(clusterDir, log, LocalCluster.Timeouts.DEFAULT)) {
            try {
                cluster.up(3, nodeJavaOpts == null ? null : ReportCommand.split(nodeJavaOpts),
                        ReportCommand.settingsMap(settings), null);
                String hosts = String.join(",", cluster.clientAddresses());
                Properties load = YcsbProcess.workload('a', records, 0);
                load.setProperty("hosts", hosts);
                YcsbProcess.run(work.resolve("load.log"), MurmurYcsbClient.class.getName(), true, load, threads,
                        ycsbJvm, 3600);
                log.println("faults: loaded " + records + " records");

                Properties run = YcsbProcess.workload('a', records, 1_000_000_000L);
                double rest = (1 - insertProportion) / 2;
                run.setProperty("readproportion", Double.toString(rest));
                run.setProperty("updateproportion", Double.toString(rest));
                run.setProperty("insertproportion", Double.toString(insertProportion));
                run.setProperty("maxexecutiontime", Integer.toString(seconds));
                run.setProperty("hosts", hosts);
                run.setProperty("report.record_dir", recordDir.toString());
                // the client gives up on a request after 2 s, so a dead node shows as errors, not as a stall
                run.setProperty("murmur.timeout_ms", "2000");
                run.setProperty("murmur.connect_timeout_ms", "1000");
                long[] marks = new long[3];
                ExecutorService faults = Executors.newSingleThreadExecutor();
                AtomicLong began = new AtomicLong();
                Future<?> injected;
                try {
                    began.set(System.currentTimeMillis());
                    injected = faults.submit(() -> {
                        Thread.sleep(killAt * 1000L);
                        marks[0] = System.currentTimeMillis();
                        cluster.kill(victim);
                        Thread.sleep(downFor * 1000L);
                        marks[1] = System.currentTimeMillis();
                        cluster.start(victim);
                        marks[2] = System.currentTimeMillis();
                        return null;
                    });
                    YcsbProcess.Result result = YcsbProcess.run(work.resolve("run.log"),
                            RecordingYcsbClient.class.getName(), false, run, threads, ycsbJvm, seconds + 600L);
                    injected.get();
                    log.printf(Locale.ROOT, "faults: YCSB ran at %.0f ops/s overall%n",
                            result.number("[OVERALL], Throughput(ops/sec)"));
                } finally {
                    faults.shutdownNow();
                }
                killedAt = marks[0];
                restartedAt = marks[1];
                backAt = marks[2];

                outcome = readBack(recordDir, hosts, log, "after the restart");
                String victimHost = cluster.clientAddresses().get(Integer.parseInt(victim.substring(1)) - 1);
                repaired = repair(victimHost, log);
                Outcome afterRepair = readBack(recordDir, hosts, log, "after " + victim + "'s repair");
                outcome = new Outcome(outcome.acknowledged(), Math.max(outcome.missing(), afterRepair.missing()),
                        Math.max(outcome.unreadable(), afterRepair.unreadable()), Map.of());
                Map<String, Long> failures = writeTimeline(recordDir, killedAt, restartedAt, backAt, log);
                outcome = new Outcome(outcome.acknowledged(), outcome.missing(), outcome.unreadable(), failures);
                writeSummary(log);
            } finally {
                cluster.down();
            }
        }
        if (workDir == null) {
            ReportCommand.deleteTree(work);
        }
        return outcome.missing() == 0 && outcome.unreadable() == 0 ? 0 : 1;
    }

    /** What the repair of the restarted node did, for the summary. */
    private String repaired = "not run";

    /**
     * Runs an anti-entropy repair of every range the restarted node replicates, and waits
     * (up to 5 minutes) until it ends; returns what it did.
     */
    private String repair(String host, PrintStream log) throws Exception {
        try (MurmurClient client = MurmurClient.builder().hosts(List.of(host)).smartRouting(false)
                .requestTimeout(Duration.ofSeconds(30)).clientName("murmur-faults-repair").build()) {
            long began = System.nanoTime();
            RepairProgress p = client.blocking().repair();
            long deadline = began + Duration.ofMinutes(5).toNanos();
            while (p.running() && System.nanoTime() < deadline) {
                Thread.sleep(500);
                p = client.blocking().repairStatus().job().orElse(p);
            }
            String what = String.format(Locale.ROOT, "%s after %.1f s: %d of %d sessions done, %d failed, %d keys "
                            + "exchanged", p.running() ? "still running" : p.succeeded() ? "succeeded" : "failed",
                    (System.nanoTime() - began) / 1e9, p.sessionsDone(), p.sessionsTotal(), p.sessionsFailed(),
                    p.keysExchanged());
            log.println("faults: repair of " + victim + " " + what);
            return what;
        }
    }

    /** Reads every acknowledged insert with R=2 through a fresh client; counts those not found, and failed reads. */
    private Outcome readBack(Path recordDir, String hosts, PrintStream log, String when) throws Exception {
        List<String> keys = Files.readAllLines(recordDir.resolve(RecordingYcsbClient.ACKNOWLEDGED), StandardCharsets.UTF_8)
                .stream().filter(k -> !k.isBlank()).toList();
        AtomicLong missing = new AtomicLong();
        AtomicLong unreadable = new AtomicLong();
        List<String> examples = java.util.Collections.synchronizedList(new ArrayList<>());
        try (MurmurClient client = MurmurClient.builder().hosts(List.of(hosts.split(",")))
                .requestTimeout(Duration.ofSeconds(10)).clientName("murmur-faults-check").build()) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<?>> parts = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int first = t;
                    parts.add(pool.submit(() -> {
                        for (int i = first; i < keys.size(); i += 8) {
                            String key = keys.get(i);
                            try {
                                GetResult r = client.blocking().get(key.getBytes(StandardCharsets.UTF_8),
                                        GetOptions.withR(2));
                                if (!r.found()) {
                                    missing.incrementAndGet();
                                    examples.add(key);
                                } else {
                                    FieldCodec.merge(r.siblings());
                                }
                            } catch (RuntimeException e) {
                                unreadable.incrementAndGet();
                                examples.add(key + " (" + e + ")");
                            }
                        }
                    }));
                }
                for (Future<?> f : parts) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
        }
        log.printf(Locale.ROOT, "faults: read back %d acknowledged inserts with R=2 %s: %d missing, %d unreadable%s%n",
                keys.size(), when, missing.get(), unreadable.get(),
                examples.isEmpty() ? "" : " (e.g. " + examples.subList(0, Math.min(5, examples.size())) + ")");
        return new Outcome(keys.size(), missing.get(), unreadable.get(), Map.of());
    }

    /** faults.csv and faults.png from the per-second outcomes; returns the failures by operation and status. */
    private Map<String, Long> writeTimeline(Path recordDir, long killedAt, long restartedAt, long backAt,
                                            PrintStream log) throws Exception {
        List<String> lines = Files.readAllLines(recordDir.resolve(RecordingYcsbClient.OUTCOMES), StandardCharsets.UTF_8);
        TreeMap<Long, Map<String, Long>> bySecond = new TreeMap<>();
        TreeSet<String> statuses = new TreeSet<>();
        Map<String, Long> failures = new TreeMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            long second = Long.parseLong(f[0]);
            String status = f[2];
            long n = Long.parseLong(f[3]);
            statuses.add(status);
            bySecond.computeIfAbsent(second, s -> new TreeMap<>()).merge(status, n, Long::sum);
            if (!status.equals("OK")) {
                failures.merge(f[1] + " " + status, n, Long::sum);
            }
        }
        statuses.remove("OK");
        long first = bySecond.isEmpty() ? 0 : bySecond.firstKey();
        long last = bySecond.isEmpty() ? -1 : bySecond.lastKey();
        StringBuilder csv = new StringBuilder("second,ok");
        statuses.forEach(s -> csv.append(',').append(s.toLowerCase(Locale.ROOT)));
        csv.append(",event\n");
        int n = (int) (last - first + 1);
        double[] x = new double[n];
        double[] ok = new double[n];
        double[] failed = new double[n];
        for (int i = 0; i < n; i++) {
            long second = first + i;
            Map<String, Long> counts = bySecond.getOrDefault(second, Map.of());
            x[i] = i;
            ok[i] = counts.getOrDefault("OK", 0L);
            csv.append(i).append(',').append(counts.getOrDefault("OK", 0L));
            for (String s : statuses) {
                long c = counts.getOrDefault(s, 0L);
                failed[i] += c;
                csv.append(',').append(c);
            }
            csv.append(',').append(event(second, killedAt, restartedAt, backAt)).append('\n');
        }
        Files.writeString(out.resolve("faults.csv"), csv, StandardCharsets.UTF_8);
        double kill = (killedAt / 1000.0) - first;
        double restart = (restartedAt / 1000.0) - first;
        double back = (backAt / 1000.0) - first;
        double top = 0;
        for (double v : ok) {
            top = Math.max(top, v);
        }
        top = Math.max(top, 1);
        List<Charts.Line> chart = new ArrayList<>(List.of(
                new Charts.Line("acknowledged ops/s", x, ok, Charts.Style.SOLID, new Color(0x1f77b4)),
                new Charts.Line("failed ops/s", x, failed, Charts.Style.SOLID, new Color(0xd62728)),
                new Charts.Line("SIGKILL " + victim, new double[] {kill, kill}, new double[] {0, top},
                        Charts.Style.REFERENCE, Color.BLACK),
                new Charts.Line("restart " + victim, new double[] {restart, restart}, new double[] {0, top},
                        Charts.Style.REFERENCE, new Color(0x2ca02c)),
                new Charts.Line(victim + " seen by all", new double[] {back, back}, new double[] {0, top},
                        Charts.Style.REFERENCE, new Color(0x9467bd))));
        Charts.writePng(out.resolve("faults.png"), "YCSB workload A + " + Math.round(insertProportion * 100)
                        + "% inserts, 3 nodes (N=3, R=W=2), " + threads + " threads: " + victim + " killed for "
                        + downFor + " s",
                Charts.Axes.linear("seconds into the run (1 s buckets)", "operations per second"), chart);
        log.printf(Locale.ROOT, "faults: killed at %.1f s, restarted at %.1f s, seen by all at %.1f s; failures %s%n",
                kill, restart, back, failures);
        log.println("wrote " + out.resolve("faults.csv") + " and " + out.resolve("faults.png"));
        return failures;
    }

    private static String event(long second, long killedAt, long restartedAt, long backAt) {
        List<String> events = new ArrayList<>();
        if (killedAt / 1000 == second) {
            events.add("kill");
        }
        if (restartedAt / 1000 == second) {
            events.add("restart");
        }
        if (backAt / 1000 == second) {
            events.add("back");
        }
        return String.join(" ", events);
    }

    private void writeSummary(PrintStream log) throws Exception {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Workload A with %.0f%% inserts (reads and updates %.0f%% each), %d records, "
                        + "%d threads, %d s; %s killed (SIGKILL) at %d s for %d s, then restarted.%n%n",
                insertProportion * 100, (1 - insertProportion) * 50, records, threads, seconds, victim, killAt, downFor));
        md.append("| operation and outcome | count |\n|---|---|\n");
        if (outcome.failures().isEmpty()) {
            md.append("| failures | 0 |\n");
        }
        outcome.failures().forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        md.append(String.format(Locale.ROOT, "%nAcknowledged inserts: %d; read back with R=2 after the restart, and "
                        + "again after a repair of %s (%s): %d missing, %d unreadable.%n", outcome.acknowledged(), victim,
                repaired, outcome.missing(), outcome.unreadable()));
        Files.writeString(out.resolve("faults.md"), md, StandardCharsets.UTF_8);
        log.print(md);
    }
}
