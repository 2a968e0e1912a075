package io.murmur.cli;

import io.murmur.client.MurmurClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench",
        description = {
            "Load a node and measure throughput and latency.",
            "A closed loop: --concurrency requests stay in flight, each completion issues the next. "
                    + "Prints progress each second on stderr, then ops/s, latency percentiles in microseconds "
                    + "(from issue to completion) and error counts.",
            "With --ceiling, first measures an in-process server that answers at once with replies of a "
                    + "node's size, using the same client and loop, then the node, and prints node/ceiling: "
                    + "the share of the client-and-network ceiling the node reaches.",
            "With --target, measures several clusters in one run, one after another each round, and prints "
                    + "each one's ops/s against the first's. One client process measures them all, so none "
                    + "of them is measured while the client itself is still being compiled.",
            "Each result also says what an operation cost in CPU: microseconds of this process "
                    + "(cpu/op client) and of all the measured cluster's nodes together (cpu/op nodes, as each "
                    + "node reports its process's CPU time; '-' when one does not)."
        })
final class BenchCommand extends MurmurCommand {
    static final String CSV_HEADER = "time,target,ops,read_ratio,concurrency,connections,value_bytes,keys,"
            + "duration_s,seed,ops_per_s,p50_us,p99_us,p999_us,max_us,errors,client_cpu_us_per_op,"
            + "node_cpu_us_per_op";
    static final String CEILING = "ceiling";
    static final String NODE = "node";
    private static final String CPU_CLIENT = "cpu/op client(us)";
    private static final String CPU_NODES = "cpu/op nodes(us)";

    @Option(names = "--ops", paramLabel = "get|put|mixed", defaultValue = "mixed",
            converter = WorkloadConverter.class,
            description = "Operations to issue (default: ${DEFAULT-VALUE}).")
    LoadLoop.Workload workload;

    @Option(names = "--read-ratio", paramLabel = "R", defaultValue = "0.5",
            description = "Share of gets for --ops mixed, 0..1 (default: ${DEFAULT-VALUE}).")
    double readRatio;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "16",
            description = "Requests in flight (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--connections", paramLabel = "N", defaultValue = "1",
            description = "Connections per host, each with its own I/O thread (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--value-bytes", paramLabel = "BYTES", defaultValue = "100",
            description = "Size of each written value (default: ${DEFAULT-VALUE}).")
    int valueBytes;

    @Option(names = "--keys", paramLabel = "N", defaultValue = "10000",
            description = "Key space; keys are picked uniformly (default: ${DEFAULT-VALUE}).")
    int keys;

    @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "10",
            description = "Measured time (default: ${DEFAULT-VALUE}).")
    int durationSeconds;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "2",
            description = "Unmeasured load before measuring (default: ${DEFAULT-VALUE}).")
    int warmupSeconds;

    @Option(names = "--initial-warmup", paramLabel = "SECONDS",
            description = "Unmeasured load on each target before its first measurement, in place of --warmup: "
                    + "time for the nodes' and the client's compilers to finish (default: as --warmup).")
    Integer initialWarmupSeconds;

    @Option(names = "--target", paramLabel = "LABEL=HOST:PORT[,HOST:PORT...]",
            description = "A cluster to measure, named LABEL in the results; repeatable, measured in the "
                    + "order given. Replaces --host.")
    List<String> targetSpecs = new ArrayList<>();

    @Option(names = "--preload", negatable = true,
            description = "Write every key once before measuring (default: on for get and mixed).")
    Boolean preload;

    @Option(names = "--seed", paramLabel = "N", description = "Seed for keys, values and operation mix (default: random, printed).")
    Long seed;

    @Option(names = "--csv", paramLabel = "FILE", description = "Append one row per measured target to FILE.")
    Path csv;

    @Option(names = "--ceiling", description = "Measure the in-process ceiling server first, then the node.")
    boolean ceiling;

    @Option(names = "--ceiling-only", description = "Measure only the in-process ceiling server.")
    boolean ceilingOnly;

    @Option(names = "--rounds", paramLabel = "N", description = "Repeat the measurement N times (ceiling, then node, "
            + "each round) and print medians (default: ${DEFAULT-VALUE}).", defaultValue = "1")
    int rounds;

    @Override
    int execute() throws Exception {
        validate();
        long runSeed = seed != null ? seed : new SplittableRandom().nextLong();
        PrintWriter err = err();
        PrintWriter out = out();
        out.println(String.format(Locale.ROOT,
                "bench ops=%s%s concurrency=%d connections=%d value-bytes=%d keys=%d warmup=%ds duration=%ds seed=%d",
                name(workload), workload == LoadLoop.Workload.MIXED ? " read-ratio=" + readRatio : "",
                concurrency, connections, valueBytes, keys, warmupSeconds, durationSeconds, runSeed));
        out.flush();

        List<Target> targets = targets();
        List<BenchResult> results = new ArrayList<>();
        boolean load = preload != null ? preload : workload != LoadLoop.Workload.PUT;
        for (int round = 1; round <= rounds; round++) {
            int warmup = round == 1 && initialWarmupSeconds != null ? initialWarmupSeconds : warmupSeconds;
            List<BenchResult> roundResults = new ArrayList<>();
            if (ceiling || ceilingOnly) {
                try (CeilingServer server = CeilingServer.start(valueBytes);
                     MurmurClient client = murmur.connect(List.of(server.address()), connections, true);
                     CpuMeter cpu = CpuMeter.clientOnly()) {
                    roundResults.add(measure(CEILING, client, cpu, false, warmup, runSeed + round, err));
                }
            }
            if (!ceilingOnly) {
                for (Target target : targets) {
                    try (MurmurClient client = murmur.connect(target.hosts(), connections, true);
                         CpuMeter cpu = CpuMeter.forCluster(murmur, client)) {
                        roundResults.add(measure(target.label(), client, cpu, load && round == 1, warmup,
                                runSeed + round, err));
                    }
                }
            }
            if (rounds > 1) {
                out.println("round " + round + ":");
            }
            printTable(out, roundResults);
            for (Ratio ratio : ratios(roundResults)) {
                out.println(String.format(Locale.ROOT, "%s ops/s: %.3f", ratio, ratio.of(roundResults)));
            }
            for (Ratio ratio : cpuRatios(roundResults)) {
                out.println(String.format(Locale.ROOT, "%s nodes' cpu/op: %.2f", ratio, ratio.ofNodeCpu(roundResults)));
            }
            out.flush();
            results.addAll(roundResults);
        }
        if (rounds > 1) {
            printMedians(out, results);
        }
        out.flush();
        if (csv != null) {
            appendCsv(results, runSeed);
        }
        for (BenchResult r : results) {
            if (r.operations() == 0) {
                throw new CliFailure("BENCH", "no operation succeeded against " + r.target()
                        + " (errors: " + r.errorSummary() + ")");
            }
        }
        return Murmur.EXIT_OK;
    }

    /** Median ops/s and latency percentiles per target over the rounds, and the median of each ratio. */
    private static void printMedians(PrintWriter out, List<BenchResult> results) {
        out.println("medians over the rounds:");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"target", "ops/s", "p50(us)", "p99(us)", "p999(us)", CPU_CLIENT, CPU_NODES});
        for (String target : results.stream().map(BenchResult::target).distinct().toList()) {
            List<BenchResult> mine = results.stream().filter(r -> r.target().equals(target)).toList();
            rows.add(new String[] {target,
                String.format(Locale.ROOT, "%.0f", median(mine.stream().map(BenchResult::opsPerSecond).toList())),
                String.format(Locale.ROOT, "%.0f", median(mine.stream().map(r -> (double) r.p50Micros()).toList())),
                String.format(Locale.ROOT, "%.0f", median(mine.stream().map(r -> (double) r.p99Micros()).toList())),
                String.format(Locale.ROOT, "%.0f", median(mine.stream().map(r -> (double) r.p999Micros()).toList())),
                cpu(median(mine.stream().map(BenchResult::clientCpuMicrosPerOp).toList())),
                cpu(median(mine.stream().map(BenchResult::nodeCpuMicrosPerOp).toList()))});
        }
        InfoCommand.printTable(out, rows);
        int perRound = (int) results.stream().map(BenchResult::target).distinct().count();
        List<List<BenchResult>> byRound = new ArrayList<>();
        for (int i = 0; i + perRound <= results.size(); i += perRound) {
            byRound.add(results.subList(i, i + perRound));
        }
        for (Ratio ratio : ratios(byRound.get(0))) {
            List<Double> values = byRound.stream().map(ratio::of).toList();
            out.println(String.format(Locale.ROOT, "%s ops/s, median of %d rounds: %.3f (min %.3f, max %.3f)",
                    ratio, values.size(), median(values), values.stream().mapToDouble(d -> d).min().orElse(0),
                    values.stream().mapToDouble(d -> d).max().orElse(0)));
        }
        for (Ratio ratio : cpuRatios(byRound.get(0))) {
            out.println(String.format(Locale.ROOT, "%s nodes' cpu/op, median of %d rounds: %.2f", ratio,
                    byRound.size(), median(byRound.stream().map(ratio::ofNodeCpu).toList())));
        }
    }

    /**
     * The ratios a round's results are compared by: every target against the ceiling when
     * there is one, and every later target against the first.
     */
    static List<Ratio> ratios(List<BenchResult> round) {
        List<Ratio> ratios = new ArrayList<>();
        List<String> measured = round.stream().map(BenchResult::target).filter(t -> !t.equals(CEILING)).toList();
        if (round.stream().anyMatch(r -> r.target().equals(CEILING))) {
            measured.forEach(t -> ratios.add(new Ratio(t, CEILING)));
        }
        for (int i = 1; i < measured.size(); i++) {
            ratios.add(new Ratio(measured.get(i), measured.get(0)));
        }
        return ratios;
    }

    /**
     * The nodes' CPU per operation of every later target against the first's, when the
     * round knows both: what the same operation costs the one cluster against the other.
     */
    static List<Ratio> cpuRatios(List<BenchResult> round) {
        List<BenchResult> measured = round.stream().filter(r -> !r.target().equals(CEILING)).toList();
        List<Ratio> ratios = new ArrayList<>();
        for (int i = 1; i < measured.size(); i++) {
            if (!Double.isNaN(measured.get(i).nodeCpuMicrosPerOp()) && measured.get(0).nodeCpuMicrosPerOp() > 0) {
                ratios.add(new Ratio(measured.get(i).target(), measured.get(0).target()));
            }
        }
        return ratios;
    }

    /** One target's figure over another's. */
    record Ratio(String over, String under) {
        /** Its ops/s in {@code round}: 0 when {@code under} did nothing. */
        double of(List<BenchResult> round) {
            double u = opsOf(round, under);
            return u > 0 ? opsOf(round, over) / u : 0;
        }

        /** Its nodes' CPU per operation in {@code round}: NaN when either is unknown. */
        double ofNodeCpu(List<BenchResult> round) {
            double u = figureOf(round, under, BenchResult::nodeCpuMicrosPerOp);
            return u > 0 ? figureOf(round, over, BenchResult::nodeCpuMicrosPerOp) / u : Double.NaN;
        }

        @Override
        public String toString() {
            return over + "/" + under;
        }
    }

    private static double opsOf(List<BenchResult> round, String target) {
        return figureOf(round, target, BenchResult::opsPerSecond);
    }

    private static double figureOf(List<BenchResult> round, String target, ToDoubleFunction<BenchResult> figure) {
        return round.stream().filter(r -> r.target().equals(target)).findFirst()
                .map(figure::applyAsDouble).orElse(Double.NaN);
    }

    /** The clusters to measure: the --target ones, or --host named "node". */
    List<Target> targets() {
        if (targetSpecs.isEmpty()) {
            return List.of(new Target(NODE, murmur.hostList()));
        }
        List<Target> targets = new ArrayList<>();
        for (String spec : targetSpecs) {
            int eq = spec.indexOf('=');
            String label = eq < 0 ? "" : spec.substring(0, eq).trim();
            List<String> hosts = eq < 0 ? List.of() : Arrays.stream(spec.substring(eq + 1).split(","))
                    .map(String::trim).filter(h -> !h.isEmpty()).toList();
            if (label.isEmpty() || hosts.isEmpty() || label.contains("/") || label.contains(",")) {
                throw usage("--target must be LABEL=HOST:PORT[,HOST:PORT...] with a label free of '/' and ','"
                        + " but was '" + spec + "'");
            }
            if (label.equals(CEILING) || targets.stream().anyMatch(t -> t.label().equals(label))) {
                throw usage("--target labels must differ from each other and from '" + CEILING + "': " + label);
            }
            targets.add(new Target(label, hosts));
        }
        return targets;
    }

    /** A cluster measured under a label. */
    record Target(String label, List<String> hosts) { }

    /** The median of the known values (NaN ones left out); NaN when none is known. */
    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values.stream().filter(v -> !Double.isNaN(v)).toList());
        sorted.sort(null);
        int n = sorted.size();
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private void validate() {
        if (rounds < 1) {
            throw usage("--rounds must be at least 1");
        }
        if (readRatio < 0 || readRatio > 1) {
            throw usage("--read-ratio must be within 0..1: " + readRatio);
        }
        if (concurrency < 1 || connections < 1 || keys < 1 || valueBytes < 0) {
            throw usage("--concurrency, --connections and --keys must be at least 1, --value-bytes at least 0");
        }
        if (durationSeconds < 1 || warmupSeconds < 0 || (initialWarmupSeconds != null && initialWarmupSeconds < 0)) {
            throw usage("--duration must be at least 1, --warmup and --initial-warmup at least 0");
        }
        if (!targetSpecs.isEmpty() && !murmur.hosts.isEmpty()) {
            throw usage("--target replaces --host: give one or the other");
        }
        if (!targetSpecs.isEmpty() && ceilingOnly) {
            throw usage("--ceiling-only measures no target: drop --target or --ceiling-only");
        }
        targets();
    }

    private static CliFailure usage(String message) {
        return new CliFailure("USAGE", message, Murmur.EXIT_USAGE);
    }

    private BenchResult measure(String target, MurmurClient client, CpuMeter cpu, boolean load, int warmup,
                                long runSeed, PrintWriter progress) throws Exception {
        LoadLoop loop = new LoadLoop(client, workload, readRatio, concurrency, keys, valueBytes, runSeed);
        if (load) {
            loop.preload(progress);
        }
        return loop.run(target, Duration.ofSeconds(warmup), Duration.ofSeconds(durationSeconds), cpu, progress);
    }

    private static void printTable(PrintWriter out, List<BenchResult> results) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"target", "ops/s", "p50(us)", "p99(us)", "p999(us)", "max(us)", CPU_CLIENT, CPU_NODES,
            "errors"});
        for (BenchResult r : results) {
            rows.add(new String[] {r.target(), String.format(Locale.ROOT, "%.0f", r.opsPerSecond()),
                Long.toString(r.p50Micros()), Long.toString(r.p99Micros()), Long.toString(r.p999Micros()),
                Long.toString(r.maxMicros()), cpu(r.clientCpuMicrosPerOp()), cpu(r.nodeCpuMicrosPerOp()),
                r.errorCount() == 0 ? "0" : r.errorCount() + " (" + r.errorSummary() + ")"});
        }
        InfoCommand.printTable(out, rows);
    }

    private void appendCsv(List<BenchResult> results, long runSeed) throws IOException {
        StringBuilder sb = new StringBuilder();
        if (!Files.exists(csv) || Files.size(csv) == 0) {
            sb.append(CSV_HEADER).append('\n');
        }
        String now = Instant.now().toString();
        for (BenchResult r : results) {
            sb.append(String.format(Locale.ROOT, "%s,%s,%s,%s,%d,%d,%d,%d,%.3f,%d,%.1f,%d,%d,%d,%d,%d,%s,%s%n",
                    now, r.target(), name(workload), workload == LoadLoop.Workload.MIXED ? Double.toString(readRatio)
                            : workload == LoadLoop.Workload.GET ? "1.0" : "0.0",
                    concurrency, connections, valueBytes, keys, r.seconds(), runSeed, r.opsPerSecond(),
                    r.p50Micros(), r.p99Micros(), r.p999Micros(), r.maxMicros(), r.errorCount(),
                    csvCpu(r.clientCpuMicrosPerOp()), csvCpu(r.nodeCpuMicrosPerOp())));
        }
        Files.write(csv, sb.toString().getBytes(StandardCharsets.UTF_8),
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** CPU microseconds per operation for a table: {@code -} when unknown. */
    private static String cpu(double micros) {
        return Double.isNaN(micros) ? "-" : String.format(Locale.ROOT, "%.1f", micros);
    }

    /** CPU microseconds per operation for the CSV: empty when unknown. */
    private static String csvCpu(double micros) {
        return Double.isNaN(micros) ? "" : String.format(Locale.ROOT, "%.2f", micros);
    }

    private static String name(LoadLoop.Workload w) {
        return w.name().toLowerCase(Locale.ROOT);
    }

    /** Accepts get, put, mixed in any case. */
    static final class WorkloadConverter implements CommandLine.ITypeConverter<LoadLoop.Workload> {
        @Override
        public LoadLoop.Workload convert(String value) {
            try {
                return LoadLoop.Workload.valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("expected get, put or mixed but was '" + value + "'");
            }
        }
    }
}
