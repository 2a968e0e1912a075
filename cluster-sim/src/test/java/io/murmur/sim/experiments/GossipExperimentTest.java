package io.murmur.sim.experiments;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class GossipExperimentTest {
    private static final GossipExperiment.Config TINY = new GossipExperiment.Config(new int[] {8, 16},
            new int[] {16}, 2, Duration.ofSeconds(5), 8, Duration.ofMinutes(2), 0.10, Duration.ofMillis(50),
            Duration.ofSeconds(2), Duration.ofSeconds(30), Duration.ofSeconds(10), 10, Duration.ofSeconds(15), 5);

    @Test
    void writesEveryTableAsCsvAndBothCharts(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        GossipExperiment.Result result = GossipExperiment.run(TINY, dir, Progress.silent("gossip"),
                new PrintStream(stdout, true, StandardCharsets.UTF_8));

        List<String[]> convergence = ResultFiles.csvRows(dir.resolve("gossip-convergence.csv"),
                result.convergence().columns());
        assertThat(convergence).hasSize(2);
        for (String[] row : convergence) {
            int n = Integer.parseInt(row[0]);
            double median = ResultFiles.number(row[3]);
            double max = ResultFiles.number(row[4]);
            assertThat(median).isPositive().isLessThanOrEqualTo(max);
            assertThat(ResultFiles.number(row[5])).isEqualTo(Math.round(20 * Math.log(n) / Math.log(2)) / 10.0);
            assertThat(row[6]).isEqualTo(max <= ResultFiles.number(row[5]) ? "yes" : "no");
            assertThat(ResultFiles.number(row[7])).as("the new node's own full view").isBetween(0.0, 120.0);
            assertThat(ResultFiles.number(row[8])).as("rounds on a lossy link").isPositive();
            assertThat(ResultFiles.number(row[9])).as("bytes per node per second").isBetween(100.0, 100_000.0);
        }
        List<String[]> detection = ResultFiles.csvRows(dir.resolve("gossip-detection.csv"),
                result.detection().columns());
        assertThat(detection).hasSize(1);
        double median = ResultFiles.number(detection.get(0)[2]);
        double max = ResultFiles.number(detection.get(0)[3]);
        assertThat(median).isBetween(2.0, max);

        List<String[]> falsePositives = ResultFiles.csvRows(dir.resolve("gossip-false-positives.csv"),
                result.falsePositives().columns());
        assertThat(falsePositives).hasSize(2);
        assertThat(Integer.parseInt(falsePositives.get(1)[3])).as("pauses in 2 min").isBetween(2, 8);
        List<String[]> longPause = ResultFiles.csvRows(dir.resolve("gossip-long-pause.csv"),
                result.longPause().columns());
        assertThat(ResultFiles.number(longPause.get(0)[2])).as("condemned before the pause ends").isLessThan(10);
        List<String[]> partition = ResultFiles.csvRows(dir.resolve("gossip-partition.csv"),
                result.partition().columns());
        assertThat(ResultFiles.number(partition.get(0)[2])).isBetween(50.0, 100.0);

        ResultFiles.assertPng(dir.resolve("gossip-convergence.png"));
        ResultFiles.assertPng(dir.resolve("gossip-partition.png"));
        assertThat(result.files()).hasSize(7);
        String printed = stdout.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("Convergence").contains("Detection").contains("False positives")
                .contains("Partition");
    }
}
