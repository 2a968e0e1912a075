package io.murmur.sim.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs YCSB's own client ({@code site.ycsb.Client}) in a child JVM, as {@code bin/ycsb.sh}
 * does, with this JVM's Java and class path, and parses its summary.
 *
 * <p>Design note: a child JVM rather than YCSB in this one, because YCSB's client keeps its
 * measurements in static state and ends with {@code System.exit}; a fresh JVM per phase also
 * gives every phase the same start (JIT warm-up included), node and ceiling alike.
 */
final class YcsbProcess {
    private static final Pattern LINE = Pattern.compile("^(\\[[A-Za-z_%0-9-]+\\], [^,]+), (.+)$", Pattern.MULTILINE);

    private YcsbProcess() {
    }

    /** A finished run: its summary ("[SECTION], Metric" to value) and where its output is. */
    record Result(Map<String, String> summary, Path log) {
        double number(String key) {
            String v = summary.get(key);
            return v == null ? Double.NaN : Double.parseDouble(v);
        }

        /** Every {@code Return=X} other than OK, summed over operations. */
        long failures() {
            long n = 0;
            for (Map.Entry<String, String> e : summary.entrySet()) {
                if (e.getKey().contains("Return=") && !e.getKey().endsWith("Return=OK")
                        && !e.getKey().startsWith("[CLEANUP]")) {
                    n += Long.parseLong(e.getValue());
                }
            }
            return n;
        }
    }

    /**
     * Runs {@code -load} or {@code -t} of {@code workload} with the binding {@code db}; the
     * child's output goes to {@code log}. Fails if YCSB does not end within {@code limitSeconds}
     * or prints no summary.
     */
    static Result run(Path log, String db, boolean load, Properties workload, int threads, List<String> jvmOptions,
                      long limitSeconds) throws IOException, InterruptedException {
        Path file = log.resolveSibling(log.getFileName() + ".properties");
        try (var w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            workload.store(w, "YCSB workload of this phase");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"),
                "site.ycsb.Client", "-db", db, load ? "-load" : "-t", "-P", file.toString(),
                "-threads", Integer.toString(threads)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!p.waitFor(limitSeconds, TimeUnit.SECONDS)) {
                throw new IOException("YCSB did not end within " + limitSeconds + " s; see " + log);
            }
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        Map<String, String> summary = parse(out);
        if (p.exitValue() != 0 || !summary.containsKey("[OVERALL], Throughput(ops/sec)")) {
            throw new IOException("YCSB failed (exit " + p.exitValue() + "); see " + log + ":\n" + tail(out));
        }
        return new Result(summary, log);
    }

    static Map<String, String> parse(String out) {
        Map<String, String> summary = new LinkedHashMap<>();
        Matcher m = LINE.matcher(out);
        while (m.find()) {
            summary.put(m.group(1), m.group(2).trim());
        }
        return summary;
    }

    private static String tail(String out) {
        String[] lines = out.split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 15), lines.length));
    }

    /** YCSB's core workload A (50% reads, 50% updates, zipfian) or C (reads only), 10 fields of 100 bytes. */
    static Properties workload(char which, int records, long operations) {
        Properties p = new Properties();
        p.setProperty("workload", "site.ycsb.workloads.CoreWorkload");
        p.setProperty("recordcount", Integer.toString(records));
        p.setProperty("operationcount", Long.toString(operations));
        p.setProperty("fieldcount", "10");
        p.setProperty("fieldlength", "100");
        p.setProperty("readallfields", "true");
        p.setProperty("scanproportion", "0");
        p.setProperty("readmodifywriteproportion", "0");
        p.setProperty("requestdistribution", "zipfian");
        switch (which) {
            case 'a' -> {
                p.setProperty("readproportion", "0.5");
                p.setProperty("updateproportion", "0.5");
                p.setProperty("insertproportion", "0");
            }
            case 'c' -> {
                p.setProperty("readproportion", "1");
                p.setProperty("updateproportion", "0");
                p.setProperty("insertproportion", "0");
            }
            default -> throw new IllegalArgumentException("workload " + which);
        }
        return p;
    }
}
