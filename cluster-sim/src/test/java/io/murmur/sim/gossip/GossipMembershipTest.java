package io.murmur.sim.gossip;

import io.murmur.membership.Liveness;
import io.murmur.membership.Membership;
import io.murmur.membership.MembershipSettings;
import io.murmur.proto.peer.MemberStatus;
import io.murmur.sim.LinkModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The membership protocol in the simulator, at small sizes: convergence, detection, no
 * false verdicts under loss and short pauses, long pauses, partitions, restarts, leaving,
 * and determinism. All times are virtual.
 */
class GossipMembershipTest {
    private static final MembershipSettings SETTINGS = MembershipSettings.DEFAULTS;
    private static final LinkModel LOSSY = LinkModel.of(Duration.ofMillis(1), Duration.ofMillis(50), 0.10, 0);
    private static final Duration STEP = Duration.ofMillis(10);

    /** A cluster of {@code n} nodes started at once, run until every node lists every other. */
    private static GossipCluster converged(long seed, int n, LinkModel link, boolean verdicts) {
        GossipCluster cluster = new GossipCluster(seed, link, SETTINGS, 2, 8, verdicts);
        cluster.addNodes(n);
        OptionalLong took = cluster.runUntil(cluster::fullViews, Duration.ofMillis(100), Duration.ofSeconds(60));
        assertThat(took).as("%d nodes reach full views", n).isPresent();
        cluster.runFor(Duration.ofSeconds(10));
        assertThat(cluster.allAliveAndAgreed()).as("all ALIVE and agreed after converging").isTrue();
        return cluster;
    }

    private static long downVerdicts(List<GossipCluster.Verdict> verdicts) {
        return verdicts.stream().filter(v -> v.liveness() == Liveness.DOWN).count();
    }

    @ParameterizedTest(name = "{0} nodes")
    @ValueSource(ints = {10, 30})
    void aNewMemberIsKnownByAllWithinTwoLog2NPlusTwoRounds(int n) {
        GossipCluster cluster = converged(n, n, LinkModel.LAN, false);
        List<String> before = cluster.live();
        String joiner = cluster.addNode();
        OptionalLong took = cluster.runUntil(() -> cluster.allKnow(joiner, before), STEP, Duration.ofSeconds(60));
        double rounds = took.orElseThrow() / (double) SETTINGS.interval().toNanos();
        assertThat(rounds).isLessThanOrEqualTo(2 * Math.log(n) / Math.log(2) + 2);
        // and the new node learns every member, joining the ring everywhere
        assertThat(cluster.runUntil(cluster::allAliveAndAgreed, STEP, Duration.ofSeconds(30))).isPresent();
        assertThat(cluster.membership(joiner).self().getStatus()).isEqualTo(MemberStatus.NORMAL);
        assertThat(cluster.membership(before.get(0)).ring().members()).anyMatch(m -> m.nodeId().equals(joiner));
    }

    @Test
    void aCrashedNodeIsDownAtEveryLiveNodeWithinFiveSeconds() {
        GossipCluster cluster = converged(11, 20, LinkModel.LAN, false);
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 3; i++) {
            List<String> live = cluster.live();
            String victim = live.get(random.nextInt(live.size()));
            cluster.simulation().crash(victim);
            List<String> others = cluster.live();
            OptionalLong took = cluster.runUntil(() -> cluster.allHold(victim, Liveness.DOWN, others), STEP,
                    Duration.ofSeconds(30));
            assertThat(took).as("%s held DOWN by all", victim).isPresent();
            assertThat(took.getAsLong()).as("%s DOWN at all within 5 s", victim)
                    .isLessThanOrEqualTo(Duration.ofSeconds(5).toNanos());
            // and it is not DOWN before it could have been suspected: phi needs over 2 s of silence
            assertThat(took.getAsLong()).isGreaterThan(Duration.ofSeconds(2).toNanos());
        }
    }

    @Test
    void noFalseDownVerdictsWithTenPercentLossAndJitterForTenMinutes() {
        GossipCluster cluster = converged(12, 20, LOSSY, true);
        int from = cluster.verdicts().size();
        long lost = cluster.simulation().networkStats().lostToLoss;
        cluster.runFor(Duration.ofMinutes(10));
        List<GossipCluster.Verdict> verdicts = cluster.verdicts().subList(from, cluster.verdicts().size());
        assertThat(cluster.simulation().networkStats().lostToLoss - lost).as("the link did lose messages")
                .isGreaterThan(10_000);
        assertThat(downVerdicts(verdicts)).isZero();
        assertThat(cluster.allAliveAndAgreed()).isTrue();
    }

    @Test
    void suspicionsUnderTwentyPercentLossAreRefutedBeforeAnyoneCondemnsALiveNode() {
        // at this loss watchers do suspect live nodes now and then; every holder of a suspicion
        // asks the suspect directly, so the refutation reaches each of them before its deadline
        GossipCluster cluster = converged(18, 30, LOSSY.withLoss(0.20), true);
        int from = cluster.verdicts().size();
        cluster.runFor(Duration.ofMinutes(10));
        List<GossipCluster.Verdict> verdicts = cluster.verdicts().subList(from, cluster.verdicts().size());
        assertThat(verdicts).as("suspicions were raised").anyMatch(v -> v.liveness() == Liveness.SUSPECT);
        assertThat(downVerdicts(verdicts)).isZero();
    }

    @Test
    void aTwoSecondPauseCondemnsNobodyAndNobodyCondemnsThePausedNode() {
        GossipCluster cluster = converged(13, 20, LOSSY, true);
        SplittableRandom random = new SplittableRandom(13);
        int from = cluster.verdicts().size();
        List<String> paused = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            cluster.runFor(Duration.ofSeconds(20 + random.nextInt(20)));
            List<String> live = cluster.live();
            String node = live.get(random.nextInt(live.size()));
            paused.add(node);
            cluster.simulation().pause(node);
            cluster.runFor(Duration.ofSeconds(2));
            cluster.simulation().resume(node);
        }
        cluster.runFor(Duration.ofSeconds(30));
        List<GossipCluster.Verdict> verdicts = cluster.verdicts().subList(from, cluster.verdicts().size());
        // a 2 s pause on a lossy link may raise a suspicion now and then, but it is refuted
        assertThat(verdicts).as("no DOWN by or about anyone").noneMatch(v -> v.liveness() == Liveness.DOWN);
        assertThat(cluster.allAliveAndAgreed()).as("every suspicion refuted").isTrue();
        long stalls = paused.stream().distinct().mapToLong(id -> cluster.membership(id).stats().stalls).sum();
        assertThat(stalls).as("the paused nodes noticed their own stalls").isGreaterThanOrEqualTo(paused.size());
    }

    @Test
    void aLongPauseIsCondemnedAndTheNodeIsAliveEverywhereAfterItResumes() {
        GossipCluster cluster = converged(14, 20, LinkModel.LAN, true);
        String node = cluster.live().get(7);
        List<String> others = cluster.liveExcept(node);
        cluster.simulation().pause(node);
        OptionalLong down = cluster.runUntil(() -> cluster.allHold(node, Liveness.DOWN, others), STEP,
                Duration.ofSeconds(10));
        assertThat(down).as("a 10 s pause is condemned").isPresent();
        cluster.runFor(Duration.ofNanos(Duration.ofSeconds(10).toNanos() - down.getAsLong()));
        int mark = cluster.verdicts().size();
        cluster.simulation().resume(node);
        OptionalLong alive = cluster.runUntil(() -> cluster.allHold(node, Liveness.ALIVE, others), STEP,
                Duration.ofSeconds(10));
        assertThat(alive).as("back ALIVE at all within 10 s of resuming").isPresent();
        cluster.runFor(Duration.ofSeconds(20));
        assertThat(cluster.verdicts().subList(mark, cluster.verdicts().size()))
                .as("the resumed node condemns nobody").noneMatch(v -> v.observer().equals(node)
                        && v.liveness() != Liveness.ALIVE);
        assertThat(cluster.allAliveAndAgreed()).isTrue();
    }

    @Test
    void aPartitionMarksTheOtherSideDownAndHealingReconverges() {
        GossipCluster cluster = converged(15, 20, LinkModel.LAN, false);
        List<String> ids = cluster.live();
        List<String> left = ids.subList(0, 10);
        List<String> right = ids.subList(10, 20);
        cluster.simulation().partition(left, right);
        cluster.runFor(Duration.ofSeconds(30));
        long down = 0;
        for (String o : left) {
            down += right.stream().filter(s -> cluster.liveness(o, s).orElse(null) == Liveness.DOWN).count();
        }
        for (String o : right) {
            down += left.stream().filter(s -> cluster.liveness(o, s).orElse(null) == Liveness.DOWN).count();
        }
        assertThat(down).as("most cross-side pairs are DOWN").isGreaterThanOrEqualTo(2L * 10 * 10 * 8 / 10);
        for (String o : ids) {
            List<String> same = left.contains(o) ? left : right;
            assertThat(cluster.holding(o, Liveness.ALIVE, same)).as("%s holds its own side ALIVE", o)
                    .isEqualTo(same.size() - 1);
        }
        cluster.simulation().heal();
        OptionalLong healed = cluster.runUntil(cluster::allAliveAndAgreed, STEP, Duration.ofSeconds(20));
        assertThat(healed).as("all ALIVE with one ring within 20 s of the heal").isPresent();
    }

    @Test
    void aRestartedNodeComesBackWithAHigherGenerationAndIsAliveEverywhere() {
        GossipCluster cluster = converged(16, 15, LinkModel.LAN, false);
        String node = cluster.live().get(5);
        long generation = cluster.membership(node).self().getGeneration();
        cluster.simulation().crash(node);
        List<String> others = cluster.live();
        assertThat(cluster.runUntil(() -> cluster.allHold(node, Liveness.DOWN, others), STEP,
                Duration.ofSeconds(10))).isPresent();
        cluster.simulation().restart(node);
        OptionalLong back = cluster.runUntil(() -> cluster.allHold(node, Liveness.ALIVE, others), STEP,
                Duration.ofSeconds(10));
        assertThat(back).isPresent();
        assertThat(cluster.membership(node).self().getGeneration()).isEqualTo(generation + 1);
        for (String o : others) {
            assertThat(cluster.membership(o).state(node).orElseThrow().getGeneration()).as(o)
                    .isEqualTo(generation + 1);
        }
        assertThat(cluster.runUntil(cluster::allAliveAndAgreed, STEP, Duration.ofSeconds(10))).isPresent();
    }

    @Test
    void aNodeThatLeavesIsSeenLeftByAllAndDropsOutOfEveryRing() {
        GossipCluster cluster = converged(17, 15, LinkModel.LAN, true);
        String node = cluster.live().get(9);
        long ringBefore = cluster.membership(cluster.live().get(0)).ringFingerprint();
        boolean[] done = {false};
        cluster.leave(node, () -> done[0] = true);
        List<String> others = cluster.live();
        cluster.runFor(Duration.ofSeconds(10));
        assertThat(done[0]).as("leave completes").isTrue();
        for (String o : others) {
            Membership m = cluster.membership(o);
            assertThat(m.state(node).orElseThrow().getStatus()).as(o).isEqualTo(MemberStatus.LEFT);
            assertThat(m.ring().members()).as(o).noneMatch(r -> r.nodeId().equals(node));
        }
        assertThat(cluster.allAliveAndAgreed()).isTrue();
        assertThat(cluster.membership(others.get(0)).ringFingerprint()).isNotEqualTo(ringBefore);
        // the leaver stopped talking, but nobody condemns a node that left
        cluster.runFor(Duration.ofSeconds(20));
        assertThat(cluster.verdicts()).noneMatch(v -> v.subject().equals(node) && v.liveness() == Liveness.DOWN);
    }

    @Test
    void leftAndLongDownNodesAreForgottenAfterTheirTimeAndStayForgotten() {
        MembershipSettings quickRemoval = SETTINGS.withRemoval(Duration.ofSeconds(30), Duration.ofSeconds(40));
        GossipCluster cluster = new GossipCluster(23, LinkModel.LAN, quickRemoval, 2, 8, false);
        cluster.addNodes(12);
        assertThat(cluster.runUntil(cluster::fullViews, Duration.ofMillis(100), Duration.ofSeconds(60))).isPresent();
        cluster.runFor(Duration.ofSeconds(5));
        String leaver = cluster.live().get(4);
        String crashed = cluster.live().get(7);
        cluster.leave(leaver, () -> { });
        cluster.runFor(Duration.ofSeconds(5));
        cluster.simulation().crash(crashed);
        List<String> others = cluster.liveExcept(leaver);
        // still listed (LEFT, DOWN) well before their time is up
        cluster.runFor(Duration.ofSeconds(15));
        for (String o : others) {
            assertThat(cluster.membership(o).state(leaver)).as("%s lists the leaver", o).isPresent();
            assertThat(cluster.membership(o).liveness(crashed)).as(o).contains(Liveness.DOWN);
            assertThat(cluster.membership(o).ring().contains(crashed)).as("a DOWN node keeps its ranges").isTrue();
        }
        // forgotten once the time is up, and gossip does not bring them back
        cluster.runFor(Duration.ofSeconds(60));
        for (String o : others) {
            Membership m = cluster.membership(o);
            assertThat(m.state(leaver)).as("%s forgot the leaver", o).isEmpty();
            assertThat(m.state(crashed)).as("%s forgot the long-DOWN node", o).isEmpty();
            assertThat(m.ring().contains(crashed)).as(o).isFalse();
        }
        assertThat(cluster.allAliveAndAgreed()).isTrue();
        // a forgotten node that starts again (a new generation) is welcome
        cluster.simulation().restart(crashed);
        assertThat(cluster.runUntil(() -> cluster.allHold(crashed, Liveness.ALIVE, others), STEP,
                Duration.ofSeconds(20))).isPresent();
    }

    private static long tracedRun(long seed) {
        GossipCluster cluster = new GossipCluster(seed, LOSSY, SETTINGS, 2, 8, false);
        cluster.addNodes(12);
        cluster.runFor(Duration.ofSeconds(20));
        cluster.simulation().crash(GossipCluster.idOf(5));
        cluster.simulation().pause(GossipCluster.idOf(6));
        cluster.runFor(Duration.ofSeconds(5));
        cluster.simulation().resume(GossipCluster.idOf(6));
        cluster.simulation().restart(GossipCluster.idOf(5));
        cluster.runFor(Duration.ofSeconds(20));
        return cluster.simulation().traceHash();
    }

    @Test
    void theSameSeedGivesTheSameTraceHash() {
        assertThat(tracedRun(21)).isEqualTo(tracedRun(21));
        assertThat(tracedRun(21)).isNotEqualTo(tracedRun(22));
    }
}
