package io.murmur.sim.experiments;

import io.murmur.ring.RingSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

class FailoverExperimentTest {
    private static final FailoverExperiment.Config TINY = new FailoverExperiment.Config(
            List.of(new FailoverExperiment.Cluster(16, new int[] {0, 2, 4}),
                    new FailoverExperiment.Cluster(8, new int[] {0, 3})),
            16, 4_000, new int[] {1, 2}, 1, TimeUnit.MILLISECONDS.toNanos(1), false, 5);

    private static FailoverExperiment.Result run(Path dir) throws IOException {
        return FailoverExperiment.run(TINY, dir, Progress.silent("failover"),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    @Test
    void writesWellFormedCsvAndPngs(@TempDir Path dir) throws IOException {
        FailoverExperiment.Result result = run(dir);

        List<String[]> speed = ResultFiles.csvRows(dir.resolve("failover-throughput.csv"),
                result.throughput().columns());
        // 5 points x 5 routers x 2 thread counts; no Redis in this configuration
        assertThat(speed).hasSize(50);
        for (String[] row : speed) {
            assertThat(ResultFiles.number(row[4])).isPositive();
            assertThat(ResultFiles.number(row[5])).isLessThanOrEqualTo(ResultFiles.number(row[4]));
            assertThat(ResultFiles.number(row[6])).isGreaterThanOrEqualTo(ResultFiles.number(row[4]));
            // heap bytes per lookup: how much depends on the JIT, so only its form is checked
            assertThat(ResultFiles.number(row[8])).isNotNegative();
        }
        assertThat(speed.stream().map(r -> r[2]).distinct())
                .containsExactly("ring", "ring (walk)", "jump key+1", "jump random", "table");

        List<String[]> spread = ResultFiles.csvRows(dir.resolve("failover-spread.csv"), result.spread().columns());
        // The ring's walk routes as its view does, so it has no spread rows of its own.
        assertThat(spread).hasSize(20);
        assertThat(spread.stream().map(r -> r[2]).distinct())
                .containsExactly("ring", "jump key+1", "jump random", "table");
        for (String[] row : spread) {
            int nodes = Integer.parseInt(row[0]);
            int failed = Integer.parseInt(row[1]);
            assertThat(Integer.parseInt(row[8])).isEqualTo(nodes - failed);
            if (failed == 0) {
                assertThat(row[3]).isEqualTo("0");
                assertThat(row[5]).isEmpty();
            } else {
                assertThat(Long.parseLong(row[3])).isPositive();
                assertThat(ResultFiles.number(row[4]) * (nodes - failed))
                        .isCloseTo(Long.parseLong(row[3]), offset(0.01 * (nodes - failed)));
                assertThat(ResultFiles.number(row[5])).isGreaterThanOrEqualTo(1.0);
            }
        }
        // The jump routers and the table start from the same jump-hash placement: same orphans.
        Map<String, List<String>> orphansByPoint = spread.stream().filter(r -> !r[2].equals("ring"))
                .collect(Collectors.groupingBy(r -> r[0] + "/" + r[1], Collectors.mapping(r -> r[3],
                        Collectors.toList())));
        assertThat(orphansByPoint.values()).allSatisfy(v -> assertThat(v).hasSize(3).containsOnly(v.get(0)));

        for (int n : new int[] {16, 8}) {
            for (String name : new String[] {"throughput", "spread", "stddev", "load"}) {
                ResultFiles.assertPng(dir.resolve("failover-" + name + "-" + n + ".png"));
            }
        }

        // One view build row per point: the 16-node ring has 16 x 16 tokens, the 8-node one 8 x 16.
        List<String[]> builds = ResultFiles.csvRows(dir.resolve("failover-view-build.csv"),
                result.viewBuild().columns());
        assertThat(builds).extracting(r -> r[0] + "/" + r[1] + "/" + r[2])
                .containsExactly("16/0/256", "16/2/256", "16/4/256", "8/0/128", "8/3/128");
        for (String[] row : builds) {
            assertThat(ResultFiles.number(row[4])).isNotNegative();
            assertThat(ResultFiles.number(row[4])).isLessThanOrEqualTo(ResultFiles.number(row[3]));
            assertThat(ResultFiles.number(row[5])).isGreaterThanOrEqualTo(ResultFiles.number(row[3]));
            assertThat(row[6]).isEqualTo("1");
        }
        assertThat(result.files()).hasSize(11).allSatisfy(f -> assertThat(f).exists());
    }

    @Test
    void theSameSeedGivesTheSameSpread(@TempDir Path a, @TempDir Path b) throws IOException {
        assertThat(run(b).spread().rows()).isEqualTo(run(a).spread().rows());
    }

    @Test
    void poissonReference() {
        assertThat(FailoverExperiment.poissonStddevPercent(100)).isEqualTo(10.0);
        assertThat(FailoverExperiment.poissonStddevPercent(0)).isNaN();
    }

    @Test
    void theRingRoutesThroughItsViewExactlyAsTheWalkDoes() {
        String[] ids = {"a", "b", "c", "d", "e", "f", "g", "h"};
        RingSnapshot snapshot = RingRouter.ring(ids, 16, "r0");
        RingRouter view = new RingRouter(ids, snapshot);
        RingWalkRouter walk = new RingWalkRouter(ids, snapshot);
        long[] keys = Keys.randomHashes(9, 2_000);
        BitSet failed = new BitSet();
        for (int down : new int[] {-1, 3, 0, 6, 7}) {
            if (down >= 0) {
                failed.set(down);
            }
            view.setFailed(failed);
            walk.setFailed(failed);
            for (long key : keys) {
                String node = view.route(key);
                assertThat(node).isEqualTo(walk.route(key));
                assertThat(failed.get(Arrays.asList(ids).indexOf(node))).isFalse();
            }
            assertThat(view.routeBatch(keys, 5, 3_000)).isEqualTo(walk.routeBatch(keys, 5, 3_000));
        }
    }

    @Test
    void rebuildingTheViewKeepsTheRoutes() {
        String[] ids = {"a", "b", "c", "d"};
        RingRouter ring = new RingRouter(ids, RingRouter.ring(ids, 8, "r0"));
        BitSet failed = new BitSet();
        failed.set(2);
        ring.setFailed(failed);
        long[] keys = Keys.randomHashes(4, 500);
        long before = ring.routeBatch(keys, 0, keys.length);

        assertThat(ring.rebuildNanos(3)).hasSize(3);
        assertThat(ring.routeBatch(keys, 0, keys.length)).isEqualTo(before);
        assertThat(ring.tokens()).isEqualTo(32);
    }

    @Test
    void aRouterThatMovesKeysOffLiveNodesIsCaught() {
        Router fake = new JumpRouter(new String[] {"a", "b", "c"}, JumpRouter.Probe.RANDOM);
        BitSet failed = new BitSet();
        failed.set(0);
        // key 1 was on live node 1 and moved to 2
        assertThatThrownBy(() -> FailoverExperiment.spread(3, 1, fake, new int[] {0, 1}, new int[] {1, 2}, failed))
                .hasMessageContaining("off live node");
        // key 0 was sent to the failed node
        assertThatThrownBy(() -> FailoverExperiment.spread(3, 1, fake, new int[] {0, 1}, new int[] {0, 1}, failed))
                .hasMessageContaining("failed node");
    }

    @Test
    void theTableMovesOrphansToTheLeastLoadedSurvivor() {
        String[] ids = {"a", "b", "c"};
        long[] keys = Keys.randomHashes(3, 300);
        long a0 = countOf(keys, 0, 3);
        long b0 = countOf(keys, 1, 3);
        long c0 = countOf(keys, 2, 3);
        TableRouter table = new TableRouter(ids, keys);
        BitSet failed = new BitSet();
        failed.set(1);
        table.setFailed(failed);
        long a = 0;
        long c = 0;
        for (long k : keys) {
            String node = table.route(k);
            assertThat(node).isNotEqualTo("b");
            if (node.equals("a")) {
                a++;
            } else {
                c++;
            }
        }
        // Least-loaded fills the smaller survivor up to the larger one, then alternates.
        long gap = Math.abs(a0 - c0);
        long expectedGap = b0 <= gap ? gap - b0 : (b0 - gap) % 2;
        assertThat(Math.abs(a - c)).isEqualTo(expectedGap);
        assertThat(table.changedKeys()).hasSize((int) b0);
    }

    private static long countOf(long[] keys, int bucket, int n) {
        long c = 0;
        for (long k : keys) {
            if (JumpHash.bucket(k, n) == bucket) {
                c++;
            }
        }
        return c;
    }
}
