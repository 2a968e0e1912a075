package io.murmur.sim.report;

import io.murmur.sim.ClusterSim;
import io.murmur.sim.local.LocalClusters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The report and the faults run, in their smallest form, against real node processes:
 * they run end to end and write their files; the faults run loses no acknowledged insert.
 * Figures are not checked: these are not benchmarks.
 */
class ReportCommandTest {
    @TempDir
    Path dir;

    @AfterEach
    void noNodeLeft() {
        // every cluster of these tests lives under dir; the commands stop them, this catches a failed one
        ProcessHandle.allProcesses()
                .filter(h -> h.info().commandLine().map(c -> c.contains(dir.toString())).orElse(false))
                .forEach(ProcessHandle::destroyForcibly);
    }

    @Test
    void quickReportRunsOnOneAndThreeNodesAndWritesItsFiles() throws Exception {
        Path out = dir.resolve("out");
        Run run = run("report", "--quick", "--periodic", "--records", "200", "--operations", "300", "--out",
                out.toString(), "--work-dir", dir.resolve("work").toString());
        assertThat(run.exit()).as(run.out()).isZero();
        assertThat(out.resolve("report.csv")).exists();
        assertThat(out.resolve("report.md")).exists();
        List<String> medians = Files.readAllLines(out.resolve("medians.csv"));
        for (String row : List.of("ceiling,workload a,ops/s", "ceiling,workload c,ops/s", "raw RocksDB,put,ops/s",
                "raw RocksDB,get,ops/s", "1 node,load,ops/s", "1 node,workload a,ops/s", "1 node,workload c,ops/s",
                "3 nodes,load,ops/s", "3 nodes,workload a,ops/s", "3 nodes,workload c,ops/s",
                "3 nodes (sync periodic),workload a,ops/s")) {
            assertThat(medians).as(run.out()).anyMatch(l -> l.startsWith(row + ","));
        }
        // every operation answered OK, on every system
        assertThat(medians).filteredOn(l -> l.contains(",failures,")).allMatch(l -> l.contains(",failures,0,"));
        // node throughput has both ratios
        String threeA = medians.stream().filter(l -> l.startsWith("3 nodes,workload a,ops/s,")).findFirst().orElseThrow();
        String[] f = threeA.split(",");
        assertThat(Double.parseDouble(f[6])).isPositive();
        assertThat(Double.parseDouble(f[7])).isPositive();
        assertThat(Files.readString(out.resolve("report.md"))).contains("| 3 nodes | workload c |");
        // workload A once more at half the rate it reached, latencies taken from intended starts
        String paced = "3 nodes," + ReportCommand.pacedPhase(0.5) + ",";
        for (String metric : List.of("ops/s", "target ops/s", "intended read p99 us", "intended update p99 us",
                "warm intended read p99 us", "warm intended update p99 us")) {
            assertThat(medians).as(run.out()).anyMatch(l -> l.startsWith(paced + metric + ","));
        }
        assertThat(Files.readString(out.resolve("report.md"))).contains("| 3 nodes | workload a at 50% of its peak |");
        // each cluster runs workload A unmeasured before the measured runs, and nothing of it is recorded
        assertThat(run.out()).containsPattern("round 1: 1 node, warm-up \\(workload a for 1 s, not measured\\): "
                + "[1-9][0-9]* ops/s");
        assertThat(run.out()).contains("round 1: 3 nodes, warm-up (workload a for 1 s");
        assertThat(dir.resolve("work/round1/3-node/warmup-a.log")).exists();
        assertThat(medians).noneMatch(l -> l.contains("warm-up"));
    }

    @Test
    void aPacedShareOrLengthOrWarmUpOutOfRangeIsRefusedBeforeAnythingRuns() {
        for (String[] bad : List.of(new String[] {"--paced-share", "1.5"}, new String[] {"--paced-share", "-0.1"},
                new String[] {"--paced-seconds", "0"}, new String[] {"--warmup-seconds", "-1"})) {
            Path out = dir.resolve("out-" + bad[0] + bad[1]);
            Run run = run("report", "--quick", bad[0], bad[1], "--out", out.toString(), "--work-dir",
                    dir.resolve("work").toString());
            assertThat(run.exit()).as(String.join(" ", bad)).isEqualTo(2);
            assertThat(out).doesNotExist();
        }
    }

    @Test
    void faultsRunLosesNoAcknowledgedInsert() throws Exception {
        Path out = dir.resolve("out");
        Run run = run("report", "faults", "--seconds", "12", "--kill-at", "3", "--down-for", "3",
                "--records", "200", "--threads", "4", "--insert-proportion", "0.3",
                "--ycsb-java-opts", "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
                "--out", out.toString(), "--work-dir", dir.resolve("work").toString());
        assertThat(run.exit()).as(run.out()).isZero();
        assertThat(run.out()).containsPattern("read back [1-9][0-9]* acknowledged inserts with R=2 after the restart: "
                + "0 missing, 0 unreadable");
        assertThat(run.out()).containsPattern("read back [1-9][0-9]* acknowledged inserts with R=2 after n2's repair: "
                + "0 missing, 0 unreadable");
        assertThat(run.out()).contains("repair of n2 succeeded");
        assertThat(out.resolve("faults.png")).exists();
        List<String> csv = Files.readAllLines(out.resolve("faults.csv"));
        assertThat(csv.get(0)).startsWith("second,ok");
        assertThat(String.join("\n", csv)).contains("kill").contains("restart");
        assertThat(Files.readString(out.resolve("faults.md"))).contains("0 missing, 0 unreadable");
    }

    @Test
    void ratiosAreTakenWithinARoundThenTheirMedian() {
        List<ReportCommand.Figure> figures = new ArrayList<>();
        double[][] perRound = {{100, 50, 10, 40}, {200, 100, 20, 40}, {100, 10, 5, 20}}; // ceiling, node, put, get
        for (int r = 0; r < perRound.length; r++) {
            figures.add(new ReportCommand.Figure(r + 1, "ceiling", "workload c", "ops/s", perRound[r][0]));
            figures.add(new ReportCommand.Figure(r + 1, "1 node", "workload c", "ops/s", perRound[r][1]));
            figures.add(new ReportCommand.Figure(r + 1, "raw RocksDB", "put", "ops/s", perRound[r][2]));
            figures.add(new ReportCommand.Figure(r + 1, "raw RocksDB", "get", "ops/s", perRound[r][3]));
        }
        ReportFiles.Summary node = ReportFiles.summarize(figures).stream()
                .filter(s -> s.key().system().equals("1 node")).findFirst().orElseThrow();
        assertThat(node.median()).isEqualTo(50);
        assertThat(node.toCeiling()).isEqualTo(0.5); // 0.5, 0.5, 0.1
        assertThat(node.toRaw()).isEqualTo(1.25); // gets: 1.25, 2.5, 0.5
    }

    record Run(int exit, String out) {
    }

    /** Runs cluster-sim with small test nodes (the settings of the local-cluster tests). */
    private static Run run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--java-opts");
        all.add(LocalClusters.JAVA_OPTS);
        for (String s : LocalClusters.SETTINGS) {
            all.add("--set");
            all.add(s);
        }
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            int exit = new CommandLine(new ClusterSim()).execute(all.toArray(String[]::new));
            return new Run(exit, captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
        }
    }
}
