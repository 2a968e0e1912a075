package io.murmur.sim;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code cluster-sim sim} with the membership core: converges after its faults, and a seed fixes the run. */
class ClusterSimCommandTest {
    private record Run(int exit, String out) {
        String traceHash() {
            return out.lines().filter(l -> l.startsWith("trace-hash: ")).findFirst().orElseThrow();
        }
    }

    private static Run sim(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            int exit = new CommandLine(new ClusterSim()).execute(args);
            return new Run(exit, captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(original);
        }
    }

    @Test
    void gossipRunConvergesAfterItsFaultsAndTheSeedFixesTheTrace() {
        Run first = sim("sim", "--process", "gossip", "--seed", "7", "--nodes", "12", "--duration", "40s",
                "--mean-fault-gap", "3s");
        assertThat(first.exit()).as(first.out()).isZero();
        assertThat(first.out()).contains("converged after faults: yes");

        Run again = sim("sim", "--process", "gossip", "--seed", "7", "--nodes", "12", "--duration", "40s",
                "--mean-fault-gap", "3s");
        assertThat(again.traceHash()).isEqualTo(first.traceHash());

        Run other = sim("sim", "--process", "gossip", "--seed", "8", "--nodes", "12", "--duration", "40s",
                "--mean-fault-gap", "3s");
        assertThat(other.traceHash()).isNotEqualTo(first.traceHash());
    }
}
