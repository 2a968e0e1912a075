package io.murmur.sim.ycsb;

import io.murmur.sim.local.LocalClusters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * YCSB's own client ({@code site.ycsb.Client}, in a child JVM as {@code bin/ycsb.sh} runs
 * it) loads and runs the shipped workload A through the binding against local clusters of
 * one and three real nodes, and reports every operation OK.
 */
class YcsbWorkloadTest {
    private static final int RECORDS = 200;
    private static final int OPERATIONS = 500;

    @TempDir
    Path dir;

    private final Set<Long> pids = new LinkedHashSet<>();

    @AfterEach
    void stopCluster() {
        LocalClusters.stopAll(dir, pids);
        assertThat(pids).noneMatch(LocalClusters::alive);
    }

    @Test
    void workloadALoadsAndRunsOnOneNode() throws Exception {
        loadAndRun(1);
    }

    @Test
    void workloadALoadsAndRunsOnThreeNodes() throws Exception {
        loadAndRun(3);
    }

    private void loadAndRun(int nodes) throws Exception {
        LocalClusters.Run up = LocalClusters.up(dir, nodes);
        LocalClusters.pids(dir).values().stream().filter(p -> p > 0).forEach(pids::add);
        assertThat(up.exit()).as(up.out()).isZero();
        String hosts = String.join(",", LocalClusters.clients(dir));

        Map<String, String> load = ycsb("-load", hosts);
        assertThat(load).containsEntry("[INSERT], Return=OK", Integer.toString(RECORDS))
                .containsEntry("[INSERT], Operations", Integer.toString(RECORDS))
                .containsKeys("[OVERALL], Throughput(ops/sec)", "[INSERT], 95thPercentileLatency(us)",
                        "[INSERT], 99thPercentileLatency(us)", "[INSERT], AverageLatency(us)");
        assertOnlyOk(load);

        Map<String, String> run = ycsb("-t", hosts);
        int reads = Integer.parseInt(run.getOrDefault("[READ], Return=OK", "0"));
        int updates = Integer.parseInt(run.getOrDefault("[UPDATE], Return=OK", "0"));
        assertThat(reads + updates).as("%s", run).isEqualTo(OPERATIONS);
        assertThat(reads).as("reads of workload a").isPositive();
        assertThat(updates).as("updates of workload a").isPositive();
        assertThat(run).containsKeys("[OVERALL], RunTime(ms)", "[READ], 95thPercentileLatency(us)",
                "[UPDATE], 99thPercentileLatency(us)");
        assertOnlyOk(run);
    }

    private static void assertOnlyOk(Map<String, String> summary) {
        assertThat(summary.keySet()).as("YCSB returns other than OK in %s", summary)
                .filteredOn(k -> k.contains("Return=")).allMatch(k -> k.endsWith("Return=OK"));
    }

    /** Runs YCSB's client in a child JVM; returns its summary lines as "[SECTION], Metric" to value. */
    private static Map<String, String> ycsb(String phase, String hosts) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"),
                "site.ycsb.Client", "-db", MurmurYcsbClient.class.getName(), phase,
                "-P", Path.of("..", "conf", "ycsb", "workloada").toString(),
                "-p", "recordcount=" + RECORDS, "-p", "operationcount=" + OPERATIONS,
                "-p", "hosts=" + hosts, "-threads", "4"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out;
        try {
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("YCSB ends").isTrue();
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(p.exitValue()).as(out).isZero();
        Map<String, String> summary = new LinkedHashMap<>();
        Pattern line = Pattern.compile("^(\\[[A-Z_%0-9-]+\\], [^,]+), (.+)$", Pattern.MULTILINE);
        Matcher m = line.matcher(out);
        while (m.find()) {
            summary.put(m.group(1), m.group(2).trim());
        }
        assertThat(summary).as(out).containsKey("[OVERALL], Throughput(ops/sec)");
        return summary;
    }
}
