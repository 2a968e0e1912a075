package io.murmur.sim;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code cluster-sim sim} with the membership core: converges after its faults, and a seed
 * fixes the run; the checked scenarios end with their invariants line.
 */
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

    private static String lastLine(Run run) {
        List<String> lines = run.out().lines().toList();
        return lines.get(lines.size() - 1);
    }

    @Test
    void theRepairScenarioPrintsALinePerSeedTotalsAndTheInvariantsLineLast() {
        Run run = sim("sim", "--scenario", "repair", "--seed", "4", "--seeds", "2", "--duration", "20s");
        assertThat(run.exit()).as(run.out()).isZero();
        assertThat(run.out()).contains("seed 4: ", "seed 5: ", "converged ", "total: 2 seeds");
        assertThat(lastLine(run)).isEqualTo("invariants: ok (2 seeds)");
    }

    @Test
    void theWipeAndHintWindowScenariosConverge() {
        Run wipe = sim("sim", "--scenario", "wipe", "--seed", "3", "--scheduled-only");
        assertThat(wipe.exit()).as(wipe.out()).isZero();
        assertThat(wipe.out()).contains("scheduled repair", "no on-demand job");
        assertThat(lastLine(wipe)).isEqualTo("invariants: ok (1 seeds)");

        Run hints = sim("sim", "--scenario", "hint-window", "--seed", "3");
        assertThat(hints.exit()).as(hints.out()).isZero();
        assertThat(hints.out()).contains("replayed 0");
        assertThat(lastLine(hints)).isEqualTo("invariants: ok (1 seeds)");
    }

    @Test
    void optionsThatDoNotFitTheScenarioAreRefused() {
        assertThat(sim("sim", "--scenario", "repair", "--tombstone-grace", "1s").exit()).isEqualTo(2);
        assertThat(sim("sim", "--scenario", "faults", "--scheduled-only").exit()).isEqualTo(2);
        assertThat(sim("sim", "--scenario", "nope").exit()).isEqualTo(2);
    }
}
