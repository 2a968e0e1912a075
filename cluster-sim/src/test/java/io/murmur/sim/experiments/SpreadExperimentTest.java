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
import static org.assertj.core.data.Offset.offset;

class SpreadExperimentTest {
    private static final SpreadExperiment.Config TINY =
            new SpreadExperiment.Config(new int[] {4, 6}, new int[] {1, 16}, 3_000, 2, 9);

    private static SpreadExperiment.Result run(Path dir, ByteArrayOutputStream stdout) throws IOException {
        return SpreadExperiment.run(TINY, dir, Progress.silent("spread"),
                new PrintStream(stdout, true, StandardCharsets.UTF_8));
    }

    @Test
    void writesWellFormedCsvAndPngs(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        SpreadExperiment.Result result = run(dir, stdout);

        List<String[]> load = ResultFiles.csvRows(dir.resolve("spread-load.csv"), result.load().columns());
        assertThat(load).hasSize(4);
        for (String[] row : load) {
            double mean = ResultFiles.number(row[2]);
            assertThat(mean * Integer.parseInt(row[0])).isEqualTo(3_000.0);
            assertThat(ResultFiles.number(row[3])).isLessThanOrEqualTo(mean);
            assertThat(ResultFiles.number(row[4])).isGreaterThanOrEqualTo(mean);
            assertThat(ResultFiles.number(row[5])).isGreaterThanOrEqualTo(0);
            assertThat(ResultFiles.number(row[6])).isGreaterThanOrEqualTo(1);
        }
        List<String[]> moves = ResultFiles.csvRows(dir.resolve("spread-moves.csv"), result.moves().columns());
        // 2 sizes x 2 vnode counts x (join, leave) x (N=1, N=3)
        assertThat(moves).hasSize(16);
        for (String[] row : moves) {
            int n = Integer.parseInt(row[0]);
            int replicas = Integer.parseInt(row[3]);
            double ideal = Math.min(1.0, (double) replicas / (row[2].equals("join") ? n + 1 : n));
            assertThat(ResultFiles.number(row[8])).isCloseTo(ideal, offset(1e-5));
            assertThat(ResultFiles.number(row[4])).isBetween(0.0, 1.0);
        }
        ResultFiles.assertPng(dir.resolve("spread-stddev.png"));
        ResultFiles.assertPng(dir.resolve("spread-moves.png"));
        assertThat(result.files()).hasSize(4).allSatisfy(f -> assertThat(f).exists());
        assertThat(stdout.toString(StandardCharsets.UTF_8)).contains("Keys per node").contains("Keys moved");
    }

    @Test
    void theSameSeedGivesTheSameTables(@TempDir Path a, @TempDir Path b) throws IOException {
        SpreadExperiment.Result first = run(a, new ByteArrayOutputStream());
        SpreadExperiment.Result second = run(b, new ByteArrayOutputStream());
        assertThat(second.load().rows()).isEqualTo(first.load().rows());
        assertThat(second.moves().rows()).isEqualTo(first.moves().rows());
    }
}
