package io.murmur.sim.report;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The report's files: {@code report.csv} (every figure of every round), {@code medians.csv}
 * (per system, phase and metric: median, min, max over the rounds, and for throughput the
 * median of the per-round ratios to the ceiling and to raw RocksDB) and {@code report.md}
 * (the same as a markdown table).
 *
 * <p>Ratios are taken within a round (figures measured minutes apart on the same machine)
 * and then their median over the rounds. Raw RocksDB's equivalent of a workload: C is all
 * gets, so its get rate; A is half reads (a get) and half updates (a get and a put), so
 * {@code 1 / (1/get + 0.5/put)}; the load is all puts.
 */
final class ReportFiles {
    private ReportFiles() {
    }

    record Key(String system, String phase, String metric) {
    }

    record Summary(Key key, double median, double min, double max, double toCeiling, double toRaw) {
    }

    static List<Summary> summarize(List<ReportCommand.Figure> figures) {
        Map<Key, List<Double>> values = new LinkedHashMap<>();
        Map<Integer, Map<Key, Double>> byRound = new LinkedHashMap<>();
        for (ReportCommand.Figure f : figures) {
            Key k = new Key(f.system(), f.phase(), f.metric());
            values.computeIfAbsent(k, x -> new ArrayList<>()).add(f.value());
            byRound.computeIfAbsent(f.round(), x -> new LinkedHashMap<>()).put(k, f.value());
        }
        List<Summary> out = new ArrayList<>();
        for (Map.Entry<Key, List<Double>> e : values.entrySet()) {
            Key k = e.getKey();
            List<Double> toCeiling = new ArrayList<>();
            List<Double> toRaw = new ArrayList<>();
            if (k.metric().equals("ops/s") && !k.system().equals("raw RocksDB")) {
                for (Map<Key, Double> round : byRound.values()) {
                    Double v = round.get(k);
                    if (v == null) {
                        continue;
                    }
                    Double ceiling = round.get(new Key("ceiling", k.phase(), "ops/s"));
                    if (ceiling != null && !k.system().equals("ceiling")) {
                        toCeiling.add(v / ceiling);
                    }
                    double raw = rawEquivalent(round, k.phase());
                    if (!Double.isNaN(raw) && !k.system().equals("ceiling")) {
                        toRaw.add(v / raw);
                    }
                }
            }
            List<Double> v = e.getValue();
            out.add(new Summary(k, median(v), v.stream().mapToDouble(d -> d).min().orElse(Double.NaN),
                    v.stream().mapToDouble(d -> d).max().orElse(Double.NaN), median(toCeiling), median(toRaw)));
        }
        return out;
    }

    private static double rawEquivalent(Map<Key, Double> round, String phase) {
        Double put = round.get(new Key("raw RocksDB", "put", "ops/s"));
        Double get = round.get(new Key("raw RocksDB", "get", "ops/s"));
        if (put == null || get == null) {
            return Double.NaN;
        }
        return switch (phase) {
            case "load" -> put;
            case "workload c" -> get;
            case "workload a" -> 1 / (1 / get + 0.5 / put);
            default -> Double.NaN;
        };
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    static void write(Path dir, List<ReportCommand.Figure> figures, String description, PrintStream log)
            throws IOException {
        StringBuilder all = new StringBuilder("round,system,phase,metric,value\n");
        for (ReportCommand.Figure f : figures) {
            all.append(f.round()).append(',').append(f.system()).append(',').append(f.phase()).append(',')
                    .append(f.metric()).append(',').append(num(f.value())).append('\n');
        }
        Files.writeString(dir.resolve("report.csv"), all, StandardCharsets.UTF_8);

        List<Summary> summaries = summarize(figures);
        StringBuilder medians = new StringBuilder("system,phase,metric,median,min,max,ratio_to_ceiling,ratio_to_raw_rocksdb\n");
        for (Summary s : summaries) {
            medians.append(s.key().system()).append(',').append(s.key().phase()).append(',').append(s.key().metric())
                    .append(',').append(num(s.median())).append(',').append(num(s.min())).append(',')
                    .append(num(s.max())).append(',').append(num(s.toCeiling())).append(',')
                    .append(num(s.toRaw())).append('\n');
        }
        Files.writeString(dir.resolve("medians.csv"), medians, StandardCharsets.UTF_8);

        String md = markdown(summaries, description);
        Files.writeString(dir.resolve("report.md"), md, StandardCharsets.UTF_8);
        log.println();
        log.print(md);
        log.println("wrote " + dir.resolve("report.csv") + ", " + dir.resolve("medians.csv") + " and "
                + dir.resolve("report.md"));
    }

    static String markdown(List<Summary> summaries, String description) {
        Map<Key, Summary> byKey = new LinkedHashMap<>();
        Set<List<String>> rows = new LinkedHashSet<>();
        for (Summary s : summaries) {
            byKey.put(s.key(), s);
            rows.add(List.of(s.key().system(), s.key().phase()));
        }
        StringBuilder md = new StringBuilder();
        md.append("Medians over the rounds (min-max of throughput in brackets); ").append(description).append(".\n\n");
        md.append("| system | phase | ops/s | x ceiling | x raw RocksDB | read avg / p95 / p99 (ms) "
                + "| update or insert avg / p95 / p99 (ms) | failed ops |\n");
        md.append("|---|---|---|---|---|---|---|---|\n");
        boolean paced = false;
        for (List<String> row : rows) {
            String sys = row.get(0);
            String phase = row.get(1);
            Summary ops = byKey.get(new Key(sys, phase, "ops/s"));
            Summary failures = byKey.get(new Key(sys, phase, "failures"));
            String write = phase.equals("load") ? "insert" : "update";
            paced |= byKey.containsKey(new Key(sys, phase, "target ops/s"));
            md.append("| ").append(sys).append(" | ").append(phase).append(" | ")
                    .append(ops == null ? "" : String.format(Locale.ROOT, "%,.0f (%,.0f-%,.0f)", ops.median(), ops.min(),
                            ops.max()))
                    .append(" | ").append(ops == null ? "" : ratio(ops.toCeiling()))
                    .append(" | ").append(ops == null ? "" : ratio(ops.toRaw()))
                    .append(" | ").append(latencies(byKey, sys, phase, "read"))
                    .append(" | ").append(latencies(byKey, sys, phase, write))
                    .append(" | ").append(failures == null ? "" : String.format(Locale.ROOT, "%.0f", failures.median()))
                    .append(" |\n");
        }
        if (paced) {
            md.append("\nA paced phase runs at a fixed target rate (YCSB's `-target`); its latencies are measured "
                    + "from each operation's intended start, so a stall counts against every operation it "
                    + "delayed, leaving out the first eighth of the run (YCSB's fresh JVM reaching speed).\n");
        }
        return md.toString();
    }

    /**
     * Average, p95 and p99 of {@code op} in ms: where the phase was paced, measured from each
     * operation's intended start once past the warm-up (else from the intended start); where
     * it was not, from the actual start.
     */
    private static String latencies(Map<Key, Summary> byKey, String sys, String phase, String op) {
        if (byKey.containsKey(new Key(sys, phase, "warm intended " + op + " p99 us"))) {
            op = "warm intended " + op;
        } else if (byKey.containsKey(new Key(sys, phase, "intended " + op + " p99 us"))) {
            op = "intended " + op;
        }
        Summary avg = byKey.get(new Key(sys, phase, op + " avg us"));
        Summary p95 = byKey.get(new Key(sys, phase, op + " p95 us"));
        Summary p99 = byKey.get(new Key(sys, phase, op + " p99 us"));
        if (avg == null || p95 == null || p99 == null) {
            return "";
        }
        return String.format(Locale.ROOT, "%.2f / %.2f / %.2f", avg.median() / 1000, p95.median() / 1000,
                p99.median() / 1000);
    }

    private static String ratio(double r) {
        return Double.isNaN(r) ? "" : String.format(Locale.ROOT, "%.2f", r);
    }

    static String num(double v) {
        if (Double.isNaN(v)) {
            return "";
        }
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.4f", v);
    }
}
