package io.murmur.sim.experiments;

import io.murmur.sim.ClusterSim;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class ExperimentCommandTest {
    private static int execute(StringWriter err, String... args) {
        CommandLine cli = new CommandLine(new ClusterSim());
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        return cli.execute(args);
    }

    @Test
    void anUnknownExperimentIsAUsageError() {
        StringWriter err = new StringWriter();
        assertThat(execute(err, "experiment", "nosuch")).isEqualTo(2);
        assertThat(err.toString()).contains("spread").contains("failover").contains("gossip");
    }

    @Test
    void theOptionsParse() {
        CommandLine.ParseResult parsed = new CommandLine(new ClusterSim())
                .parseArgs("experiment", "failover", "--quick", "--out", "x/y", "--seed", "42", "--no-redis");
        ExperimentCommand cmd = (ExperimentCommand) parsed.subcommand().commandSpec().userObject();
        assertThat(cmd.name).isEqualTo(ExperimentCommand.Name.failover);
        assertThat(cmd.quick).isTrue();
        assertThat(cmd.seed).isEqualTo(42);
        assertThat(cmd.noRedis).isTrue();
        assertThat(cmd.out.toString()).isEqualTo("x/y");
    }
}
