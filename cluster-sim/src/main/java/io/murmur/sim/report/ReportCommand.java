package io.murmur.sim.report;

import io.murmur.cli.CeilingServer;
import io.murmur.sim.local.LocalCluster;
import io.murmur.sim.ycsb.FieldCodec;
import io.murmur.sim.ycsb.MurmurYcsbClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code cluster-sim report}: the YCSB benchmark. Each round measures, one after the other
 * on this machine: the loopback ceiling (YCSB and the binding against a bare Netty server
 * that answers at once), raw RocksDB (the node's storage in this JVM), then a fresh local
 * cluster of one node and one of three (N=3, R=W=2), each loaded with the records, warmed
 * up by workload A unmeasured, and running workloads A and C. Writes every round's figures
 * and their medians, each also as a ratio to the ceiling and to raw RocksDB.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Runs the YCSB benchmark report (1 and 3 nodes, workloads A and C, loopback ceiling, raw "
                + "RocksDB) and writes report.csv, medians.csv and report.md.",
        subcommands = {FaultsCommand.class})
public final class ReportCommand implements Callable<Integer> {
    static final int FIELDS = 10;
    static final int FIELD_BYTES = 100;

    @Option(names = "--rounds", description = "Rounds; medians over them (default: ${DEFAULT-VALUE}).")
    int rounds = 3;

    @Option(names = "--records", description = "Records loaded (default: ${DEFAULT-VALUE}).")
    int records = 100_000;

    @Option(names = "--operations", description = "Operations of each workload run (default: ${DEFAULT-VALUE}).")
    long operations = 100_000;

    @Option(names = "--threads", description = "YCSB client threads (default: ${DEFAULT-VALUE}).")
    int threads = 16;

    @Option(names = "--nodes", split = ",", description = "Cluster sizes (default: 1,3).")
    List<Integer> nodeCounts = new ArrayList<>(List.of(1, 3));

    @Option(names = "--quick", description = "Tiny sizes, one round, small JVMs: for tests.")
    boolean quick;

    @Option(names = "--out", description = "Where the results go (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("docs", "results", "ycsb");

    @Option(names = "--work-dir", description = "Clusters' data and logs (default: a temporary dir).")
    Path workDir;

    @Option(names = "--java-opts", description = "JVM options of the nodes (default: those of `local up`).")
    String nodeJavaOpts;

    @Option(names = "--ycsb-java-opts", description = "JVM options of YCSB's client (default: -Xmx1g -XX:+UseZGC, as "
            + "bin/ycsb.sh).")
    String ycsbJavaOpts;

    @Option(names = "--set", description = "KEY=VALUE of conf/node.yaml for every node (repeatable).")
    List<String> settings = new ArrayList<>();

    @Option(names = "--ceiling-io-threads", description = "I/O threads of the ceiling server (default: ${DEFAULT-VALUE}).")
    int ceilingIoThreads = 1;

    @Option(names = "--periodic", negatable = true,
            description = "Also run the largest cluster with storage.sync=periodic, to show what an fsync per write "
                    + "costs (default: on, off with --quick; --no-periodic skips it).")
    Boolean periodic;

    @Option(names = "--paced-share", description = "Workload A is run once more at this share of the rate it just "
            + "reached, for latencies below saturation; 0 skips it (default: ${DEFAULT-VALUE}).")
    double pacedShare = 0.5;

    @Option(names = "--paced-seconds", description = "How long the paced run lasts (default: ${DEFAULT-VALUE}).")
    int pacedSeconds = 40;

    @Option(names = "--warmup-seconds", description = "Each cluster first runs workload A this long, unmeasured, "
            + "after the load (default: ${DEFAULT-VALUE}; 0 skips it).")
    int warmupSeconds = 60;

    /** The phase name of workload A run at {@link #pacedShare} of its peak rate. */
    static String pacedPhase(double share) {
        return String.format(Locale.ROOT, "workload a at %.0f%% of its peak", share * 100);
    }

    @Spec
    CommandSpec spec;

    /** One measured figure of one round. */
    record Figure(int round, String system, String phase, String metric, double value) {
    }

    @Override
    public Integer call() throws Exception {
        if (quick) {
            rounds = 1;
            records = Math.min(records, 300);
            operations = Math.min(operations, 600);
            threads = Math.min(threads, 4);
            pacedSeconds = Math.min(pacedSeconds, 3);
            warmupSeconds = Math.min(warmupSeconds, 1);
        }
        if (periodic == null) {
            periodic = !quick;
        }
        if (!(pacedShare >= 0 && pacedShare <= 1)) {
            throw new ParameterException(spec.commandLine(), "--paced-share must be between 0 and 1, not " + pacedShare);
        }
        if (warmupSeconds < 0) {
            throw new ParameterException(spec.commandLine(), "--warmup-seconds must not be negative, not "
                    + warmupSeconds);
        }
        if (pacedSeconds < 1) {
            throw new ParameterException(spec.commandLine(), "--paced-seconds must be at least 1, not " + pacedSeconds);
        }
        PrintStream log = System.out;
        Path work = workDir != null ? workDir : Files.createTempDirectory("murmur-report");
        Files.createDirectories(work);
        Files.createDirectories(out);
        log.printf(Locale.ROOT, "report: %d round(s), %d records of %d fields x %d bytes, %d operations per run, "
                        + "%d threads; work dir %s, results in %s%n", rounds, records, FIELDS, FIELD_BYTES,
                operations, threads, work, out);
        List<Figure> figures = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            Path roundDir = work.resolve("round" + round);
            Files.createDirectories(roundDir);
            figures.addAll(ceiling(round, roundDir, log));
            figures.addAll(rawRocksDb(round, roundDir, log));
            for (int nodes : nodeCounts) {
                figures.addAll(cluster(round, nodes, settingsMap(settings), "", roundDir, log));
            }
            if (periodic && !nodeCounts.isEmpty()) {
                int largest = nodeCounts.stream().max(Integer::compare).orElseThrow();
                Map<String, String> withPeriodic = settingsMap(settings);
                withPeriodic.put("storage.sync", "periodic");
                figures.addAll(cluster(round, largest, withPeriodic, " (sync periodic)", roundDir, log));
            }
        }
        ReportFiles.write(out, figures, describe(), log);
        if (workDir == null) {
            deleteTree(work);
        }
        return 0;
    }

    private String describe() {
        return String.format(Locale.ROOT, "%d round(s); %d records of %d fields x %d bytes; %d operations per "
                        + "workload run; %d YCSB threads; nodes %s; %d s of workload a unmeasured after each "
                        + "load; node settings %s",
                rounds, records, FIELDS, FIELD_BYTES, operations, threads, nodeCounts, warmupSeconds,
                settings.isEmpty() ? "default" : String.join(" ", settings));
    }

    List<String> ycsbJvm() {
        String opts = ycsbJavaOpts != null ? ycsbJavaOpts
                : quick ? "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1" : "-Xmx1g -XX:+UseZGC";
        return split(opts);
    }

    static List<String> split(String opts) {
        return opts.isBlank() ? List.of() : List.of(opts.trim().split("\\s+"));
    }

    long limitSeconds() {
        return quick ? 180 : 1800;
    }

    private List<Figure> ceiling(int round, Path dir, PrintStream log) throws Exception {
        List<Figure> figures = new ArrayList<>();
        // a get answers with a record of the workload's shape, so the binding decodes it as it would a node's
        Map<String, byte[]> record = new TreeMap<>();
        for (int f = 0; f < FIELDS; f++) {
            byte[] b = new byte[FIELD_BYTES];
            java.util.Arrays.fill(b, (byte) ('a' + f));
            record.put("field" + f, b);
        }
        try (CeilingServer server = CeilingServer.startWithValue(FieldCodec.encode(record), ceilingIoThreads)) {
            for (char w : new char[] {'a', 'c'}) {
                Properties p = YcsbProcess.workload(w, records, operations);
                p.setProperty("hosts", server.address());
                p.setProperty("murmur.smart_routing", "false");
                YcsbProcess.Result r = YcsbProcess.run(dir.resolve("ceiling-" + w + ".log"),
                        MurmurYcsbClient.class.getName(), false, p, threads, ycsbJvm(), limitSeconds());
                figures.addAll(figures(round, "ceiling", "workload " + w, r));
                log.printf(Locale.ROOT, "round %d: ceiling, workload %s: %.0f ops/s%n", round, w,
                        r.number("[OVERALL], Throughput(ops/sec)"));
            }
        }
        return figures;
    }

    private List<Figure> rawRocksDb(int round, Path dir, PrintStream log) throws Exception {
        Path db = dir.resolve("raw-rocksdb");
        RawRocksDb.Rates rates = RawRocksDb.measure(db, records, operations, threads,
                FieldCodec.encode(sampleRecord()).length, round);
        deleteTree(db);
        log.printf(Locale.ROOT, "round %d: raw RocksDB: %.0f puts/s, %.0f gets/s%n", round, rates.putsPerSecond(),
                rates.getsPerSecond());
        return List.of(new Figure(round, "raw RocksDB", "put", "ops/s", rates.putsPerSecond()),
                new Figure(round, "raw RocksDB", "get", "ops/s", rates.getsPerSecond()));
    }

    static Map<String, byte[]> sampleRecord() {
        Map<String, byte[]> record = new TreeMap<>();
        for (int f = 0; f < FIELDS; f++) {
            record.put("field" + f, new byte[FIELD_BYTES]);
        }
        return record;
    }

    private List<Figure> cluster(int round, int nodes, Map<String, String> nodeSettings, String variant,
                                 Path roundDir, PrintStream log) throws Exception {
        List<Figure> figures = new ArrayList<>();
        Path dir = roundDir.resolve(nodes + "-node" + (variant.isEmpty() ? "" : "-variant"));
        String system = (nodes == 1 ? "1 node" : nodes + " nodes") + variant;
        try (LocalCluster cluster = LocalCluster.open(dir, log, LocalCluster.Timeouts.DEFAULT)) {
            try {
                cluster.up(nodes, nodeJavaOpts == null ? null : split(nodeJavaOpts), nodeSettings, null);
                String hosts = String.join(",", cluster.clientAddresses());
                Properties load = YcsbProcess.workload('a', records, operations);
                load.setProperty("hosts", hosts);
                YcsbProcess.Result loaded = YcsbProcess.run(dir.resolve("load.log"), MurmurYcsbClient.class.getName(),
                        true, load, threads, ycsbJvm(), limitSeconds());
                figures.addAll(figures(round, system, "load", loaded));
                log.printf(Locale.ROOT, "round %d: %s, load: %.0f ops/s%n", round, system,
                        loaded.number("[OVERALL], Throughput(ops/sec)"));
                warmUp(round, system, hosts, dir, log);
                for (char w : new char[] {'a', 'c'}) {
                    Properties p = YcsbProcess.workload(w, records, operations);
                    p.setProperty("hosts", hosts);
                    YcsbProcess.Result r = YcsbProcess.run(dir.resolve("run-" + w + ".log"),
                            MurmurYcsbClient.class.getName(), false, p, threads, ycsbJvm(), limitSeconds());
                    figures.addAll(figures(round, system, "workload " + w, r));
                    log.printf(Locale.ROOT, "round %d: %s, workload %s: %.0f ops/s%n", round, system, w,
                            r.number("[OVERALL], Throughput(ops/sec)"));
                    if (w == 'a' && pacedShare > 0) {
                        figures.addAll(paced(round, system, hosts, r.number("[OVERALL], Throughput(ops/sec)"), dir,
                                log));
                    }
                }
            } finally {
                cluster.down();
            }
        }
        if (workDir == null) {
            deleteTree(dir);
        }
        return figures;
    }

    /**
     * Workload A for {@link #warmupSeconds}, not measured: the nodes' JIT compilers have
     * seen the load's writes but not yet the reads and updates, and compile them during
     * the first minute or so of workload A (on three nodes sharing two cores a first run of
     * workload A ran at 0.84-0.94 of the rate of the next). Its throughput goes to the log only.
     */
    private void warmUp(int round, String system, String hosts, Path dir, PrintStream log) throws Exception {
        if (warmupSeconds == 0) {
            return;
        }
        Properties p = YcsbProcess.workload('a', records, Integer.MAX_VALUE); // ended by the time limit
        p.setProperty("hosts", hosts);
        p.setProperty("maxexecutiontime", Integer.toString(warmupSeconds));
        YcsbProcess.Result r = YcsbProcess.run(dir.resolve("warmup-a.log"), MurmurYcsbClient.class.getName(),
                false, p, threads, ycsbJvm(), limitSeconds());
        log.printf(Locale.ROOT, "round %d: %s, warm-up (workload a for %d s, not measured): %.0f ops/s%n", round,
                system, warmupSeconds, r.number("[OVERALL], Throughput(ops/sec)"));
    }

    /**
     * Workload A again, paced by YCSB ({@code -target}) at {@link #pacedShare} of the rate
     * {@code peak} that the unpaced run reached, for {@link #pacedSeconds}. Closed-loop
     * threads at saturation only measure their own queue (latency = threads / throughput);
     * a paced run shows what a request costs when the cluster has headroom. YCSB measures
     * from each operation's intended start ({@code measurement.interval=both}), so a stall
     * that delays later operations counts against them too (no coordinated omission).
     */
    private List<Figure> paced(int round, String system, String hosts, double peak, Path dir, PrintStream log)
            throws Exception {
        long target = Math.max(1, Math.round(peak * pacedShare));
        Properties p = YcsbProcess.workload('a', records, Math.max(threads, target * pacedSeconds));
        p.setProperty("hosts", hosts);
        p.setProperty("target", Long.toString(target));
        p.setProperty("measurement.interval", "both");
        p.setProperty("maxexecutiontime", Integer.toString(pacedSeconds * 2));
        p.setProperty(PacedYcsbClient.WARMUP_SECONDS, Double.toString(warmupSeconds()));
        YcsbProcess.Result r = YcsbProcess.run(dir.resolve("run-a-paced.log"), PacedYcsbClient.class.getName(),
                false, p, threads, ycsbJvm(), limitSeconds());
        String phase = pacedPhase(pacedShare);
        List<Figure> figures = new ArrayList<>(figures(round, system, phase, r));
        figures.add(new Figure(round, system, phase, "target ops/s", target));
        log.printf(Locale.ROOT, "round %d: %s, %s: target %d ops/s, reached %.0f ops/s, p99 from intended start "
                        + "after %.0f s of warm-up: read %.1f ms, update %.1f ms%n", round, system, phase, target,
                r.number("[OVERALL], Throughput(ops/sec)"), warmupSeconds(),
                r.number("[WARM-Intended-READ], 99thPercentileLatency(us)") / 1000,
                r.number("[WARM-Intended-UPDATE], 99thPercentileLatency(us)") / 1000);
        return figures;
    }

    /** The first eighth of a paced run, when YCSB's fresh JVM is still reaching speed, is not measured. */
    private double warmupSeconds() {
        return pacedSeconds / 8.0;
    }

    static Map<String, String> settingsMap(List<String> settings) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String s : settings) {
            int eq = s.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("--set " + s + ": expected KEY=VALUE");
            }
            map.put(s.substring(0, eq), s.substring(eq + 1));
        }
        return map;
    }

    /**
     * Throughput, and per operation its average, p95 and p99 (us) and its failures; for a
     * paced run also the same latencies measured from each operation's intended start
     * ("intended read p99 us", ...), and from its intended start once past the warm-up
     * ("warm intended read p99 us", ...).
     */
    static List<Figure> figures(int round, String system, String phase, YcsbProcess.Result r) {
        List<Figure> figures = new ArrayList<>();
        figures.add(new Figure(round, system, phase, "ops/s", r.number("[OVERALL], Throughput(ops/sec)")));
        figures.add(new Figure(round, system, phase, "failures", r.failures()));
        for (String op : List.of("READ", "UPDATE", "INSERT")) {
            // YCSB's sections "[READ]" and "[Intended-READ]", and PacedYcsbClient's "[WARM-Intended-READ]"
            for (String kind : List.of("", "Intended-", "WARM-Intended-")) {
                String section = "[" + kind + op + "]";
                if (r.summary().containsKey(section + ", Operations")) {
                    String o = (kind.toLowerCase(Locale.ROOT).replace('-', ' ') + op.toLowerCase(Locale.ROOT));
                    figures.add(new Figure(round, system, phase, o + " avg us",
                            r.number(section + ", AverageLatency(us)")));
                    figures.add(new Figure(round, system, phase, o + " p95 us",
                            r.number(section + ", 95thPercentileLatency(us)")));
                    figures.add(new Figure(round, system, phase, o + " p99 us",
                            r.number(section + ", 99thPercentileLatency(us)")));
                }
            }
        }
        return figures;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
