package io.murmur.sim.local;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.murmur.sim.local.LocalClusters.PATIENCE;
import static io.murmur.sim.local.LocalClusters.alive;
import static io.murmur.sim.local.LocalClusters.local;
import static io.murmur.sim.local.LocalClusters.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@code cluster-sim local} with real node processes: up converges, each signal changes the
 * status as it should, and no process outlives {@code down} or an interrupted {@code up}.
 */
class LocalClusterTest {
    @TempDir
    Path dir;

    /** Every pid a node of this test ran under. */
    private final Set<Long> pids = new LinkedHashSet<>();

    @AfterEach
    void stopEverything() {
        LocalClusters.stopAll(dir, pids);
        assertThat(pids).as("pids of nodes that are still alive").noneMatch(LocalClusters::alive);
    }

    private void notePids() throws Exception {
        LocalClusters.pids(dir).values().stream().filter(p -> p > 0).forEach(pids::add);
    }

    private static LocalCluster.Row row(LocalCluster.Status s, String node) {
        return s.row(node).orElseThrow();
    }

    @Test
    void oneNodeComesUpTakesASecondNodeAndGoesDownLeavingNoProcess() throws Exception {
        LocalClusters.Run up = LocalClusters.up(dir, 1);
        notePids();
        assertThat(up.exit()).as(up.out()).isZero();
        assertThat(up.out()).contains("converged: yes").containsPattern("clients: 127\\.0\\.0\\.1:\\d+\\n");
        assertThat(Files.readString(dir.resolve("n1/node.yaml"))).contains("id: n1").contains("seeds: []")
                .contains("interval_millis: 250");

        LocalClusters.Run add = local(dir, "add");
        notePids();
        assertThat(add.exit()).as(add.out()).isZero();
        assertThat(Files.readString(dir.resolve("n2/node.yaml"))).contains("seeds: [\"127.0.0.1:");
        LocalCluster.Status s = status(dir);
        assertThat(s.converged()).as(s.problems().toString()).isTrue();
        assertThat(s.rows()).extracting(LocalCluster.Row::node).containsExactly("n1", "n2");
        assertThat(s.rows()).allSatisfy(r -> {
            assertThat(r.process()).isEqualTo("up");
            assertThat(r.status()).isEqualTo("NORMAL");
            assertThat(r.liveness()).isEqualTo("ALIVE");
            assertThat(r.sees()).isEqualTo("2/2 alive");
        });
        assertThat(pids).hasSize(2).allMatch(LocalClusters::alive);

        LocalClusters.Run down = local(dir, "down");
        assertThat(down.exit()).as(down.out()).isZero();
        assertThat(down.out()).contains("n1 stopped (SIGTERM").contains("n2 stopped (SIGTERM");
        assertThat(pids).noneMatch(LocalClusters::alive);
        assertThat(LocalClusters.pids(dir).values()).containsOnly(0L);
        LocalClusters.Run after = local(dir, "status");
        assertThat(after.out()).contains("no node answers").contains("converged: no (no node is up");
    }

    @Test
    void threeNodesConvergeAndKillStartPauseResumeStopShowInTheStatus() throws Exception {
        LocalClusters.Run up = LocalClusters.up(dir, 3);
        notePids();
        assertThat(up.exit()).as(up.out()).isZero();
        assertThat(up.out()).contains("converged: yes");
        LocalCluster.Status s = status(dir);
        assertThat(s.converged()).isTrue();
        assertThat(s.rows()).hasSize(3).allSatisfy(r -> {
            assertThat(r.process()).isEqualTo("up");
            assertThat(r.liveness()).isEqualTo("ALIVE");
            assertThat(r.sees()).isEqualTo("3/3 alive");
        });
        assertThat(s.rows()).extracting(LocalCluster.Row::ring).doesNotContain("-").hasSize(3)
                .containsOnly(s.rows().get(0).ring());

        // SIGKILL: the process is gone at once; the others find out and mark it DOWN
        long n2 = row(s, "n2").pid();
        assertThat(local(dir, "kill", "n2").out()).contains("n2 killed (SIGKILL, pid " + n2 + ")");
        assertThat(alive(n2)).isFalse();
        await().atMost(PATIENCE).untilAsserted(() -> {
            LocalCluster.Status now = status(dir);
            assertThat(row(now, "n2").process()).isEqualTo("down");
            assertThat(row(now, "n2").liveness()).isEqualTo("DOWN");
            assertThat(now.converged()).isTrue(); // n1 and n3 agree
        });

        LocalClusters.Run start = local(dir, "start", "n2");
        notePids();
        assertThat(start.exit()).as(start.out()).isZero();
        s = status(dir);
        assertThat(s.converged()).as(s.problems().toString()).isTrue();
        assertThat(row(s, "n2").process()).isEqualTo("up");
        assertThat(row(s, "n2").pid()).isNotEqualTo(n2);
        assertThat(row(s, "n2").liveness()).isEqualTo("ALIVE");

        // SIGSTOP: the process lives but answers nothing; the others mark it DOWN
        assertThat(local(dir, "pause", "n3").out()).contains("n3 paused (SIGSTOP");
        await().atMost(PATIENCE).untilAsserted(() -> {
            LocalCluster.Status now = status(dir);
            assertThat(row(now, "n3").process()).isEqualTo("paused");
            assertThat(alive(row(now, "n3").pid())).isTrue();
            assertThat(row(now, "n3").liveness()).isEqualTo("DOWN");
        });
        assertThat(local(dir, "pause", "n3").out()).contains("error: n3 is already paused");
        assertThat(local(dir, "up").out()).contains("error: a cluster is already running from");

        // SIGCONT: it goes on and is ALIVE again everywhere
        assertThat(local(dir, "resume", "n3").out()).contains("n3 resumed (SIGCONT");
        await().atMost(PATIENCE).untilAsserted(() -> {
            LocalCluster.Status now = status(dir);
            assertThat(row(now, "n3").process()).isEqualTo("up");
            assertThat(now.converged()).as(now.problems().toString()).isTrue();
            assertThat(now.rows()).allSatisfy(r -> assertThat(r.sees()).isEqualTo("3/3 alive"));
        });

        // SIGTERM: a clean stop
        long n1 = row(status(dir), "n1").pid();
        LocalClusters.Run stop = local(dir, "stop", "n1");
        assertThat(stop.out()).contains("n1 stopped (SIGTERM, pid " + n1 + ")");
        assertThat(alive(n1)).isFalse();
        assertThat(Files.readString(dir.resolve("n1/node.log"))).contains("stopped");
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(row(status(dir), "n1").liveness()).isEqualTo("DOWN"));
        assertThat(local(dir, "kill", "n1").out()).contains("error: n1 is not running");

        LocalClusters.Run down = local(dir, "down");
        assertThat(down.exit()).as(down.out()).isZero();
        assertThat(pids).hasSize(4).noneMatch(LocalClusters::alive);
    }

    @Test
    void anUpInterruptedWhileStartingStopsEveryNodeItStarted() throws Exception {
        Map<String, Long> started = new LinkedHashMap<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (LocalCluster cluster = LocalCluster.open(dir, new PrintStream(out, true, StandardCharsets.UTF_8),
                LocalCluster.Timeouts.DEFAULT)) {
            assertThatThrownBy(() -> cluster.up(3, List.of(LocalClusters.JAVA_OPTS.split(" ")),
                    LocalCommand.settings(LocalClusters.SETTINGS), (id, pid) -> {
                        started.put(id, pid);
                        pids.add(pid);
                        if (started.size() == 2) {
                            Thread.currentThread().interrupt(); // as if the user pressed Ctrl-C
                        }
                    })).isInstanceOf(InterruptedException.class);
        }
        assertThat(started.keySet()).containsExactly("n1", "n2");
        assertThat(started.values()).noneMatch(LocalClusters::alive);
        assertThat(LocalClusters.pids(dir).values()).containsOnly(0L);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("local up failed: interrupted")
                .contains("stopping the 2 node(s) this command started");
    }

    @Test
    void theTeardownTheShutdownHookRunsStopsWhatUpStartedAndNothingStartsAfterIt() throws Exception {
        List<Long> started = new ArrayList<>();
        try (LocalCluster cluster = LocalCluster.open(dir, new PrintStream(PrintStream.nullOutputStream()),
                LocalCluster.Timeouts.DEFAULT)) {
            assertThatThrownBy(() -> cluster.up(2, List.of(LocalClusters.JAVA_OPTS.split(" ")),
                    LocalCommand.settings(LocalClusters.SETTINGS), (id, pid) -> {
                        started.add(pid);
                        pids.add(pid);
                        assertThat(alive(pid)).isTrue();
                        cluster.teardown(); // what the hook does on Ctrl-C while up runs
                    })).isInstanceOf(InterruptedException.class);
        }
        assertThat(started).hasSize(1).noneMatch(LocalClusters::alive);
        assertThat(LocalClusters.pids(dir).values()).containsOnly(0L);
    }

    @Test
    void misuseIsRefusedWithAMessage() throws Exception {
        assertThat(local(dir, "status").out()).contains("error: no local cluster in");
        Path none = dir.resolve("none");
        assertThat(local(none, "kill", "n1").out()).contains("error: no local cluster in");
        assertThat(none).doesNotExist();
        assertThat(local(dir, "up", "--nodes", "2", "--set", "network.client_port=1").out())
                .contains("error: --set network.client_port: the launcher sets this key itself");
        assertThat(local(dir, "up", "--nodes", "1", "--set", "storage.sink=always").out())
                .contains("error: --set storage.sink: unknown key 'storage.sink'");
        assertThat(local(dir, "up", "--nodes", "1", "--set", "storage.sync=sometimes").out())
                .contains("error: --set storage.sync: storage.sync");
        assertThat(dir.resolve("cluster.properties")).doesNotExist();
    }

    @Test
    void nodesThatOutnumberHalfTheCoresRunOnlyTheC1CompilerUnlessMurmurJavaOptsSaysOtherwise() {
        assertThat(LocalCluster.jvmOptions(null, 1, 2)).contains("-XX:+UseZGC").doesNotContain("-XX:TieredStopAtLevel=1");
        assertThat(LocalCluster.jvmOptions(null, 3, 2)).contains("-XX:+UseZGC", "-XX:TieredStopAtLevel=1");
        assertThat(LocalCluster.jvmOptions(null, 3, 8)).doesNotContain("-XX:TieredStopAtLevel=1");
        assertThat(LocalCluster.jvmOptions(" ", 3, 2)).contains("-XX:TieredStopAtLevel=1");
        assertThat(LocalCluster.jvmOptions("-Xmx2g -XX:+UseG1GC", 3, 2)).containsExactly("-Xmx2g", "-XX:+UseG1GC");
    }
}
