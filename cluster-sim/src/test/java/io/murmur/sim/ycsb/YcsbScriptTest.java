package io.murmur.sim.ycsb;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code bin/ycsb.sh} refuses what it cannot run before it builds or starts anything. */
class YcsbScriptTest {
    private record Result(int exit, String out) {
    }

    private static Result script(String... args) throws Exception {
        String[] cmd = new String[args.length + 2];
        cmd[0] = "bash";
        cmd[1] = Path.of("..", "bin", "ycsb.sh").toString();
        System.arraycopy(args, 0, cmd, 2, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }

    @Test
    void workloadEIsRefusedBecauseItScans() throws Exception {
        Result e = script("run", "e", "-p", "hosts=127.0.0.1:1");
        assertThat(e.exit()).isEqualTo(2);
        assertThat(e.out()).contains("workload e is 95% scans, and Murmur has no scan");
    }

    @Test
    void unknownPhasesAndWorkloadsAreRefused() throws Exception {
        assertThat(script("bench", "a").out()).contains("the first argument is load or run, not 'bench'");
        Result missing = script("load", "g");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.out()).contains("no workload 'g'");
    }
}
