package io.murmur.sim.experiments;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RepairExperimentTest {
    @Test
    void quickRunRepairsEveryDivergenceAndComputesTheRatios(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        // run() checks after every repair that both replicas hold the same records (each
        // differing key the merge of both sides) and equal trees, and throws if not.
        RepairExperiment.Result result = RepairExperiment.run(RepairExperiment.Config.quick(1), dir,
                Progress.silent("repair"), new PrintStream(text, true, StandardCharsets.UTF_8));

        assertThat(result.runs()).hasSize(16);
        for (RepairExperiment.Run r : result.runs()) {
            String at = "depth " + r.depth() + ", " + r.fraction();
            assertThat(r.differing()).as(at).isEqualTo(Math.round(r.fraction() * 20_000));
            assertThat(r.keysSent() + r.keysReceived()).as(at).isGreaterThanOrEqualTo(r.differing());
            assertThat(r.ratio()).as(at).isGreaterThanOrEqualTo(1.0).isFinite();
            assertThat(r.wire().bytes()).as(at + ": the core's count against the wire's")
                    .isCloseTo(r.bytes(), org.assertj.core.data.Percentage.withPercentage(5));
            assertThat(r.idleBytes()).as(at + ": a repair with nothing to do sends roots only")
                    .isLessThan(r.bytes());
            assertThat(r.throttledMillis()).as(at).isZero();
        }

        List<String[]> divergence = ResultFiles.csvRows(result.files().get(0), result.divergence().columns());
        assertThat(divergence).hasSize(4);
        assertThat(divergence.get(3)[0]).isEqualTo("10%");
        assertThat(ResultFiles.number(divergence.get(3)[4])).as("ratio at 10%").isGreaterThanOrEqualTo(1.0);
        assertThat(ResultFiles.csvRows(result.files().get(1), result.depth().columns())).hasSize(4);
        assertThat(ResultFiles.csvRows(result.files().get(2), result.grid().columns())).hasSize(16);
        ResultFiles.assertPng(result.files().get(3));
        assertThat(text.toString(StandardCharsets.UTF_8)).contains("Repair traffic vs divergence, tree depth 10")
                .contains("1,024-byte values");
    }

    @Test
    void percentagesPrintWithoutRoundingNoise() {
        assertThat(RepairExperiment.percent(0.0001)).isEqualTo("0.01%");
        assertThat(RepairExperiment.percent(0.001)).isEqualTo("0.1%");
        assertThat(RepairExperiment.percent(0.1)).isEqualTo("10%");
    }
}
