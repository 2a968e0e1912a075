package io.murmur.sim;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class SimulationTest {
    /** Records what it receives and when; sends a numbered message to a peer on each tick. */
    static final class Recorder implements NodeProcess<Integer> {
        final List<String> received = new ArrayList<>();
        final List<Long> tickTimes = new ArrayList<>();
        NodeContext<Integer> ctx;
        int counter;

        @Override
        public void start(NodeContext<Integer> context) {
            ctx = context;
            ctx.scheduler().schedule(this::tick, 100, TimeUnit.MILLISECONDS);
        }

        void tick() {
            tickTimes.add(ctx.clock().nanos());
            String peer = ctx.nodeId().equals("a") ? "b" : "a";
            ctx.network().send(peer, ++counter);
            ctx.scheduler().schedule(this::tick, 100, TimeUnit.MILLISECONDS);
        }

        @Override
        public void onMessage(String from, Integer message) {
            received.add(from + ":" + message);
        }
    }

    private static Simulation<Integer> twoNodes(long seed, LinkModel link) {
        Simulation<Integer> sim = new Simulation<>(seed, link);
        sim.addNode("a", Recorder::new);
        sim.addNode("b", Recorder::new);
        return sim;
    }

    private static long runWithFaults(long seed, int nodes) {
        LinkModel link = LinkModel.of(Duration.ofMillis(1), Duration.ofMillis(2), 0.05, 0.02);
        Simulation<HeartbeatDemo.Beat> sim = HeartbeatDemo.newSimulation(seed, link);
        Scenario<HeartbeatDemo.Beat> s = Scenario.on(sim).nodes(nodes, id -> new HeartbeatDemo(1_000));
        RandomFaults.schedule(s, new SplittableRandom(seed + 1), Duration.ofSeconds(40), Duration.ofSeconds(3), link);
        return s.run(Duration.ofSeconds(60)).traceHash();
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 42, 7_777})
    void theSameSeedGivesTheSameTraceHash(long seed) {
        assertThat(runWithFaults(seed, 12)).as("seed %d", seed).isEqualTo(runWithFaults(seed, 12));
    }

    @Test
    void differentSeedsGiveDifferentTraceHashes() {
        assertThat(runWithFaults(1, 12)).isNotEqualTo(runWithFaults(2, 12));
    }

    @Test
    void timersFireAtTheirVirtualTime() {
        Simulation<Integer> sim = twoNodes(1, LinkModel.LAN);
        sim.runFor(Duration.ofMillis(350));
        Recorder a = sim.process("a");
        assertThat(a.tickTimes).containsExactly(100_000_000L, 200_000_000L, 300_000_000L);
        assertThat(sim.now()).isEqualTo(350_000_000L);
    }

    @Test
    void aCrashDropsTheNodesTimersAndStateAndARestartBeginsAfresh() {
        Simulation<Integer> sim = twoNodes(1, LinkModel.LAN);
        sim.runFor(Duration.ofMillis(250));
        sim.crash("a");
        assertThat((Object) sim.process("a")).isNull();
        sim.runFor(Duration.ofMillis(500));
        Recorder b = sim.process("b");
        assertThat(b.received).as("a sent nothing while down").containsExactly("a:1", "a:2");
        sim.restart("a");
        Recorder fresh = sim.process("a");
        sim.runFor(Duration.ofMillis(150));
        assertThat(fresh.counter).as("a new process, a new counter").isEqualTo(1);
        assertThat(b.received).contains("a:1", "a:2").endsWith("a:1");
    }

    @Test
    void messagesToACrashedNodeAreLost() {
        Simulation<Integer> sim = twoNodes(1, LinkModel.LAN);
        sim.crash("a");
        sim.runFor(Duration.ofSeconds(1));
        assertThat(sim.networkStats().lostToDownNode).isPositive();
    }

    @Test
    void aPausedNodeDoesNothingUntilResumedThenCatchesUpAtOnce() {
        Simulation<Integer> sim = twoNodes(1, LinkModel.LAN);
        sim.runFor(Duration.ofMillis(150));
        sim.pause("a");
        sim.runFor(Duration.ofMillis(1_000));
        Recorder a = sim.process("a");
        assertThat(a.tickTimes).hasSize(1);
        assertThat(a.received).hasSize(1);
        sim.resume("a");
        sim.runFor(Duration.ofMillis(1));
        assertThat(a.tickTimes).as("the held timer fires late, at resume").hasSize(2);
        assertThat(a.tickTimes.get(1)).isEqualTo(1_150_000_000L);
        assertThat(a.received).as("held messages are delivered at resume").hasSizeGreaterThan(5);
    }

    @Test
    void aPartitionDropsMessagesBothWaysUntilHealed() {
        Simulation<Integer> sim = twoNodes(1, LinkModel.LAN);
        sim.partition(List.of("a"));
        sim.runFor(Duration.ofSeconds(1));
        Recorder a = sim.process("a");
        Recorder b = sim.process("b");
        assertThat(a.received).isEmpty();
        assertThat(b.received).isEmpty();
        assertThat(sim.networkStats().lostToPartition).isEqualTo(20);
        sim.heal();
        sim.runFor(Duration.ofMillis(105));
        assertThat(a.received).hasSize(1);
        assertThat(b.received).hasSize(1);
    }

    @Test
    void lossAndDuplicationHappenAtRoughlyTheirProbabilities() {
        Simulation<Integer> sim = twoNodes(3, LinkModel.LAN.withLoss(0.2).withDuplication(0.1));
        sim.runFor(Duration.ofSeconds(100));
        Simulation.NetworkStats s = sim.networkStats();
        assertThat(s.sent).isEqualTo(2_000);
        assertThat(s.lostToLoss / (double) s.sent).isBetween(0.15, 0.25);
        assertThat(s.duplicated / (double) (s.sent - s.lostToLoss)).isBetween(0.06, 0.14);
    }

    @Test
    void jitterReordersMessages() {
        Simulation<Integer> sim = new Simulation<>(5, LinkModel.of(Duration.ZERO, Duration.ofMillis(200), 0, 0));
        sim.addNode("a", Recorder::new);
        sim.addNode("b", Recorder::new);
        sim.runFor(Duration.ofSeconds(20));
        Recorder b = sim.process("b");
        List<Integer> order = b.received.stream().map(r -> Integer.parseInt(r.substring(2))).toList();
        assertThat(order).hasSizeGreaterThan(150).isNotEqualTo(order.stream().sorted().toList());
    }

    @Test
    void aCancelledTimerDoesNotRun() {
        Simulation<Integer> sim = new Simulation<>(1, LinkModel.LAN);
        List<String> ran = new ArrayList<>();
        sim.addNode("x", () -> new NodeProcess<>() {
            @Override
            public void start(NodeContext<Integer> ctx) {
                var handle = ctx.scheduler().schedule(() -> ran.add("cancelled"), 10, TimeUnit.MILLISECONDS);
                ctx.scheduler().schedule(() -> ran.add("kept"), 20, TimeUnit.MILLISECONDS);
                assertThat(handle.cancel()).isTrue();
                assertThat(handle.cancel()).isFalse();
            }

            @Override
            public void onMessage(String from, Integer message) {
            }
        });
        sim.runFor(Duration.ofSeconds(1));
        assertThat(ran).containsExactly("kept");
    }

    @Test
    void theHeartbeatDemoConvergesOnceFaultsStop() {
        int nodes = 50;
        Simulation<HeartbeatDemo.Beat> sim = HeartbeatDemo.newSimulation(9, LinkModel.LAN);
        Scenario<HeartbeatDemo.Beat> s = Scenario.on(sim).nodes(nodes, id -> new HeartbeatDemo(1_000));
        RandomFaults.schedule(s, new SplittableRandom(10), Duration.ofSeconds(30), Duration.ofSeconds(2), LinkModel.LAN);
        s.at(Duration.ofSeconds(31), "restore", x -> {
            x.heal();
            x.setLink(LinkModel.LAN);
            for (String id : x.nodeIds()) {
                if (x.state(id) == Simulation.NodeState.CRASHED) {
                    x.restart(id);
                } else if (x.state(id) == Simulation.NodeState.PAUSED) {
                    x.resume(id);
                }
            }
        });
        s.checkAtEnd("everyone heard everyone after the faults", x -> {
            for (String a : x.nodeIds()) {
                HeartbeatDemo p = x.process(a);
                for (String b : x.nodeIds()) {
                    assertThat(p.heard(b)).as("%s heard of %s", a, b).isGreaterThanOrEqualTo(31);
                }
            }
        });
        s.run(Duration.ofSeconds(60));
    }
}
