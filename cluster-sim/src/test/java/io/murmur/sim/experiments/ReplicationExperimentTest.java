package io.murmur.sim.experiments;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class ReplicationExperimentTest {
    @Test
    void writesTheConsistencyHandoffAndFaultTables(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        ReplicationExperiment.Result result = ReplicationExperiment.run(
                new ReplicationExperiment.Config(1, Duration.ofSeconds(4), 30, 1), dir,
                Progress.silent("replication"), new PrintStream(text, true, StandardCharsets.UTF_8));
        assertThat(result.consistency().rows()).hasSize(4);
        assertThat(result.faults().rows()).hasSize(1);
        assertThat(result.faults().rows().get(0).get(5)).as("violations").isEqualTo("0");
        assertThat(result.files()).hasSize(3).allSatisfy(f -> assertThat(Files.readString(f)).isNotBlank());
        assertThat(text.toString(StandardCharsets.UTF_8)).contains("partition: n1 | n2 n3");
    }
}
