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
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
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
                    + "the share of the client-and-network ceiling the node reaches."
        })
final class BenchCommand extends MurmurCommand {
    static final String CSV_HEADER = "time,target,ops,read_ratio,concurrency,connections,value_bytes,keys,"
            + "duration_s,seed,ops_per_s,p50_us,p99_us,p999_us,max_us,errors";

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

        List<BenchResult> results = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        boolean load = preload != null ? preload : workload != LoadLoop.Workload.PUT;
        for (int round = 1; round <= rounds; round++) {
            List<BenchResult> roundResults = new ArrayList<>();
            if (ceiling || ceilingOnly) {
                try (CeilingServer server = CeilingServer.start(valueBytes);
                     MurmurClient client = murmur.connect(List.of(server.address()), connections, true)) {
                    roundResults.add(measure("ceiling", client, false, runSeed + round, err));
                }
            }
            if (!ceilingOnly) {
                try (MurmurClient client = murmur.connect(murmur.hostList(), connections, true)) {
                    roundResults.add(measure("node", client, load && round == 1, runSeed + round, err));
                }
            }
            if (rounds > 1) {
                out.println("round " + round + ":");
            }
            printTable(out, roundResults);
            if (roundResults.size() == 2 && roundResults.get(0).opsPerSecond() > 0) {
                double ratio = roundResults.get(1).opsPerSecond() / roundResults.get(0).opsPerSecond();
                ratios.add(ratio);
                out.println(String.format(Locale.ROOT, "node/ceiling ops/s: %.3f", ratio));
            }
            out.flush();
            results.addAll(roundResults);
        }
        if (rounds > 1) {
            printMedians(out, results, ratios);
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

    /** Median ops/s and latency percentiles per target over the rounds, and the median ratio. */
    private static void printMedians(PrintWriter out, List<BenchResult> results, List<Double> ratios) {
        out.println("medians over the rounds:");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"target", "ops/s", "p50(us)", "p99(us)", "p999(us)"});
        for (String target : List.of("ceiling", "node")) {
            List<BenchResult> mine = results.stream().filter(r -> r.target().equals(target)).toList();
            if (mine.isEmpty()) {
                continue;
            }
            rows.add(new String[] {target,
                String.format(Locale.ROOT, "%.0f", median(mine.stream().map(BenchResult::opsPerSecond).toList())),
                String.format(Locale.ROOT, "%.0f", median(mine.stream().map(r -> (double) r.p50Micros()).toList())),
                String.format(Locale.ROOT, "%.0f", median(mine.stream().map(r -> (double) r.p99Micros()).toList())),
                String.format(Locale.ROOT, "%.0f", median(mine.stream().map(r -> (double) r.p999Micros()).toList()))});
        }
        InfoCommand.printTable(out, rows);
        if (!ratios.isEmpty()) {
            out.println(String.format(Locale.ROOT, "node/ceiling ops/s, median of %d rounds: %.3f (min %.3f, max %.3f)",
                    ratios.size(), median(ratios), ratios.stream().mapToDouble(d -> d).min().orElse(0),
                    ratios.stream().mapToDouble(d -> d).max().orElse(0)));
        }
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
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
        if (durationSeconds < 1 || warmupSeconds < 0) {
            throw usage("--duration must be at least 1 and --warmup at least 0");
        }
    }

    private static CliFailure usage(String message) {
        return new CliFailure("USAGE", message, Murmur.EXIT_USAGE);
    }

    private BenchResult measure(String target, MurmurClient client, boolean load, long runSeed, PrintWriter progress)
            throws Exception {
        LoadLoop loop = new LoadLoop(client, workload, readRatio, concurrency, keys, valueBytes, runSeed);
        if (load) {
            loop.preload(progress);
        }
        return loop.run(target, Duration.ofSeconds(warmupSeconds), Duration.ofSeconds(durationSeconds), progress);
    }

    private static void printTable(PrintWriter out, List<BenchResult> results) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"target", "ops/s", "p50(us)", "p99(us)", "p999(us)", "max(us)", "errors"});
        for (BenchResult r : results) {
            rows.add(new String[] {r.target(), String.format(Locale.ROOT, "%.0f", r.opsPerSecond()),
                Long.toString(r.p50Micros()), Long.toString(r.p99Micros()), Long.toString(r.p999Micros()),
                Long.toString(r.maxMicros()), r.errorCount() == 0 ? "0" : r.errorCount() + " (" + r.errorSummary() + ")"});
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
            sb.append(String.format(Locale.ROOT, "%s,%s,%s,%s,%d,%d,%d,%d,%.3f,%d,%.1f,%d,%d,%d,%d,%d%n",
                    now, r.target(), name(workload), workload == LoadLoop.Workload.MIXED ? Double.toString(readRatio)
                            : workload == LoadLoop.Workload.GET ? "1.0" : "0.0",
                    concurrency, connections, valueBytes, keys, r.seconds(), runSeed, r.opsPerSecond(),
                    r.p50Micros(), r.p99Micros(), r.p999Micros(), r.maxMicros(), r.errorCount()));
        }
        Files.write(csv, sb.toString().getBytes(StandardCharsets.UTF_8),
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
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
