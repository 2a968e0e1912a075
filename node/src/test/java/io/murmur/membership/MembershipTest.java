package io.murmur.membership;

import io.murmur.proto.peer.GossipMessage;
import io.murmur.proto.peer.MemberState;
import io.murmur.proto.peer.MemberStatus;
import io.murmur.proto.peer.Ping;
import io.murmur.proto.peer.Rumor;
import io.murmur.proto.peer.Suspicion;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MembershipTest {
    private static final MembershipSettings SETTINGS = MembershipSettings.DEFAULTS;

    static MemberState state(String id, long generation, long version, long heartbeat) {
        return MemberState.newBuilder().setNodeId(id).setGeneration(generation).setVersion(version)
                .setHeartbeat(heartbeat).setStatus(MemberStatus.NORMAL).setPeerAddress(id).setClientAddress(id)
                .setRack("r1").setVnodes(8).setWeight(1).build();
    }

    static GossipMessage.Builder from(String id) {
        return GossipMessage.newBuilder().setFrom(id).setFromAddress(id).setFromGeneration(1);
    }

    static GossipMessage rumor(String fromId, MemberState... news) {
        return from(fromId).addAllNews(List.of(news)).setRumor(Rumor.getDefaultInstance()).build();
    }

    static GossipMessage suspicion(String fromId, String about, long generation, long heartbeat) {
        return from(fromId).addSuspicions(Suspicion.newBuilder().setNodeId(about).setGeneration(generation)
                .setHeartbeat(heartbeat).setReporter(fromId)).setRumor(Rumor.getDefaultInstance()).build();
    }

    /** A lone core (no seeds) that has run its first round. */
    private static Membership lone(FakeCluster cluster, String id) {
        Membership m = cluster.start(id, List.of());
        cluster.advance(Duration.ofSeconds(1));
        cluster.inFlight.clear();
        return m;
    }

    private static boolean mentionsSuspicionOf(GossipMessage m, String id) {
        return m.getSuspicionsList().stream().anyMatch(s -> s.getNodeId().equals(id));
    }

    // ------------------------------------------------------------------ restarts

    @Test
    void aRestartingMemberKeepsItsPlaceInTheRingAndTakesTheMembersItRemembersAsItsRing() {
        FakeCluster cluster = new FakeCluster(SETTINGS, 1);
        cluster.start("a", List.of());
        cluster.start("b", List.of("a"));
        cluster.start("c", List.of("a"));
        cluster.run(Duration.ofSeconds(5), Duration.ofMillis(100));
        assertThat(cluster.core("c").ring().size()).isEqualTo(3);
        List<MemberState> remembered = cluster.core("c").ringStates();
        assertThat(remembered).extracting(MemberState::getNodeId).containsExactlyInAnyOrder("a", "b");

        cluster.crash("c");
        Membership c = cluster.restart("c", List.of("a"), remembered);
        assertThat(c.self().getStatus()).isEqualTo(MemberStatus.NORMAL);
        assertThat(c.settled()).as("settled by what it remembers, before any peer answered").isTrue();
        assertThat(c.ring().size()).isEqualTo(3);
        cluster.run(Duration.ofSeconds(3), Duration.ofMillis(100));
        assertThat(cluster.core("a").ring().contains("c")).as("never left the others' ring").isTrue();
    }

    @Test
    void aRestartingMemberThatRemembersNothingIsNotSettledUntilItHasReadASeedsMembers() {
        FakeCluster cluster = new FakeCluster(SETTINGS, 1);
        cluster.start("a", List.of());
        cluster.start("b", List.of("a"));
        cluster.run(Duration.ofSeconds(3), Duration.ofMillis(100));
        cluster.crash("b");
        Membership b = cluster.restart("b", List.of("a"), List.of());
        assertThat(b.self().getStatus()).isEqualTo(MemberStatus.NORMAL);
        assertThat(b.settled()).isFalse();
        cluster.deliverAll();
        assertThat(b.settled()).isTrue();
        assertThat(b.ring().size()).isEqualTo(2);
    }

    @Test
    void aJoiningNodeIsNotSettledUntilItHasReadASeedsMembers() {
        FakeCluster cluster = new FakeCluster(SETTINGS, 1);
        Membership a = cluster.start("a", List.of());
        assertThat(a.settled()).as("a new cluster's first node").isTrue();
        Membership b = cluster.start("b", List.of("a"));
        assertThat(b.settled()).isFalse();
        assertThat(b.self().getStatus()).isEqualTo(MemberStatus.JOINING);
        cluster.deliverAll();
        assertThat(b.settled()).isTrue();
        assertThat(b.self().getStatus()).isEqualTo(MemberStatus.NORMAL);
    }

    // ------------------------------------------------------------------ merge rules

    @Test
    void aNewerGenerationVersionOrHeartbeatWinsAndAnOlderStateIsIgnored() {
        FakeCluster cluster = new FakeCluster(SETTINGS, 1);
        Membership a = lone(cluster, "a");

        a.onMessage("x", rumor("x", state("x", 1, 1, 5)));
        assertThat(a.state("x")).contains(state("x", 1, 1, 5));

        a.onMessage("x", rumor("x", state("x", 1, 1, 3)));
        assertThat(a.state("x").orElseThrow().getHeartbeat()).as("older heartbeat ignored").isEqualTo(5);

        a.onMessage("x", rumor("x", state("x", 1, 2, 1)));
        assertThat(a.state("x")).as("a newer version wins over a higher heartbeat").contains(state("x", 1, 2, 1));

        a.onMessage("x", rumor("x", state("x", 1, 1, 100)));
        assertThat(a.state("x")).as("an older version is ignored").contains(state("x", 1, 2, 1));

        a.onMessage("x", rumor("x", state("x", 1, 2, 7)));
        assertThat(a.state("x")).as("same version, newer heartbeat").contains(state("x", 1, 2, 7));

        a.onMessage("x", rumor("x", state("x", 2, 1, 0)));
        assertThat(a.state("x")).as("a new generation wins over everything").contains(state("x", 2, 1, 0));

        a.onMessage("x", rumor("x", state("x", 1, 9, 99)));
        assertThat(a.state("x")).as("an older generation is ignored").contains(state("x", 2, 1, 0));
        assertThat(a.stats().rejectedMessages).isZero();
    }

    @Test
    void compareOrdersByGenerationThenVersionThenHeartbeat() {
        assertThat(Membership.compare(state("x", 2, 1, 1), state("x", 1, 9, 9))).isPositive();
        assertThat(Membership.compare(state("x", 1, 2, 1), state("x", 1, 1, 9))).isPositive();
        assertThat(Membership.compare(state("x", 1, 1, 2), state("x", 1, 1, 1))).isPositive();
        assertThat(Membership.compare(state("x", 1, 1, 1), state("x", 1, 1, 1))).isZero();
        assertThat(Membership.compare(state("x", 1, 1, 1), state("x", 1, 1, 2))).isNegative();
    }

    @Test
    void newsAboutItselfFromOthersIsIgnored() {
        FakeCluster cluster = new FakeCluster(SETTINGS, 2);
        Membership a = lone(cluster, "a");
        MemberState before = a.self();
        a.onMessage("x", rumor("x", state("a", 5, 5, 500).toBuilder().setStatus(MemberStatus.LEFT).build()));
        assertThat(a.self()).isEqualTo(before);
        assertThat(a.knownMembers()).isZero();
    }

    // ------------------------------------------------------------------ garbage

    @Test
    void garbageMessagesAreRejectedAndCountedWithoutChangingState() {
        FakeCluster cluster = new FakeCluster(SETTINGS, 3);
        Membership a = lone(cluster, "a");
        a.onMessage("x", rumor("x", state("x", 1, 1, 5)));
        MembershipView before = a.view();
        MemberState newerX = state("x", 1, 2, 6);

        List<GossipMessage> garbage = List.of(
                // no sender
                GossipMessage.newBuilder().addNews(state("y", 1, 1, 1)).setRumor(Rumor.getDefaultInstance()).build(),
                // a sender without an address
                GossipMessage.newBuilder().setFrom("z").addNews(state("y", 1, 1, 1))
                        .setRumor(Rumor.getDefaultInstance()).build(),
                // bad vnodes, for a new member and for a newer state of a known one
                rumor("z", state("y", 1, 1, 1).toBuilder().setVnodes(0).build()),
                rumor("z", newerX.toBuilder().setVnodes(100_000).build()),
                // bad weight, and a rack with a space
                rumor("z", newerX.toBuilder().setWeight(0).build()),
                rumor("z", newerX.toBuilder().setRack("rack one").build()),
                // unknown and missing status
                rumor("z", newerX.toBuilder().setStatusValue(42).build()),
                rumor("z", newerX.toBuilder().setStatus(MemberStatus.STATUS_UNSPECIFIED).build()),
                // no peer address, no node id
                rumor("z", newerX.toBuilder().clearPeerAddress().build()),
                rumor("z", newerX.toBuilder().clearNodeId().build()),
                // no body at all
                from("z").build(),
                // a ping nobody can answer
                from("z").setPing(Ping.newBuilder().setSeq(1).setTarget("a")).build());

        for (int i = 0; i < garbage.size(); i++) {
            a.onMessage("z", garbage.get(i));
            assertThat(a.stats().rejectedMessages).as("message %d counted", i).isEqualTo(i + 1);
            assertThat(a.view()).as("message %d changed nothing", i).isEqualTo(before);
        }
        assertThat(a.state("x")).contains(state("x", 1, 1, 5));
        assertThat(a.liveness("y")).isEmpty();
        assertThat(a.knownMembers()).isEqualTo(1);
    }

    // ------------------------------------------------------------------ suspicion

    @Test
    void aSuspicionAboutItselfIsRefutedWithAHigherHeartbeat() {
        FakeCluster cluster = new FakeCluster(SETTINGS, 4);
        Membership a = lone(cluster, "a");
        a.onMessage("r", rumor("r", state("r", 1, 1, 1)));
        cluster.advance(Duration.ofSeconds(3));
        long heartbeat = a.self().getHeartbeat();
        assertThat(heartbeat).isGreaterThanOrEqualTo(3);
        int sentBefore = cluster.sent.size();

        a.onMessage("r", suspicion("r", "a", a.self().getGeneration(), heartbeat));

        assertThat(a.self().getHeartbeat()).isGreaterThanOrEqualTo(heartbeat + Membership.REFUTE_MARGIN);
        assertThat(a.stats().refutations).isEqualTo(1);
        List<FakeCluster.Envelope> toReporter = cluster.sent.subList(sentBefore, cluster.sent.size()).stream()
                .filter(e -> e.to().equals("r")).toList();
        assertThat(toReporter).as("the reporter hears the refuting heartbeat at once")
                .anyMatch(e -> e.message().getNewsList().stream().anyMatch(
                        s -> s.getNodeId().equals("a") && s.getHeartbeat() == a.self().getHeartbeat()));
    }

    @Test
    void aSuspicionItsHeartbeatAlreadyRefutesRaisesNothingAgain() {
        FakeCluster cluster = new FakeCluster(SETTINGS, 12);
        Membership a = lone(cluster, "a");
        long heartbeat = a.self().getHeartbeat();
        a.onMessage("r", suspicion("r", "a", a.self().getGeneration(), heartbeat));
        long refuted = a.self().getHeartbeat();
        assertThat(refuted).isEqualTo(heartbeat + Membership.REFUTE_MARGIN);
        // the same suspicion again, as every node holding it asks: the heartbeat already refutes
        // it and is still news, so nothing is raised or sent again
        int sentBefore = cluster.sent.size();
        for (int i = 0; i < 5; i++) {
            a.onMessage("x" + i, suspicion("r", "a", a.self().getGeneration(), heartbeat));
        }
        assertThat(a.self().getHeartbeat()).isEqualTo(refuted);
        assertThat(a.stats().refutations).isEqualTo(1);
        assertThat(cluster.sent.size()).isEqualTo(sentBefore);
    }

    @Test
    void aStaleSuspicionAboutItselfSpreadsItsHeartbeatOnceItIsNoLongerNews() {
        FakeCluster cluster = new FakeCluster(SETTINGS, 14);
        Membership a = lone(cluster, "a");
        a.onMessage("r", rumor("r", state("r", 1, 1, 1)));
        // long after its last change, a's own state no longer rides along as news
        cluster.advance(Duration.ofSeconds(SETTINGS.newsRounds() + 2));
        a.onMessage("p", rumor("p", state("p", 1, 1, 1))); // a live peer to tell (r went silent long ago)
        cluster.inFlight.clear();
        long heartbeat = a.self().getHeartbeat();
        int sentBefore = cluster.sent.size();
        a.onMessage("x", suspicion("r", "a", a.self().getGeneration(), heartbeat - 5));
        assertThat(a.self().getHeartbeat()).as("nothing to raise").isEqualTo(heartbeat);
        assertThat(a.stats().refutations).isZero();
        assertThat(cluster.sent.subList(sentBefore, cluster.sent.size())).as("its state goes out as news again")
                .anyMatch(e -> e.to().equals("p")
                        && e.message().getNewsList().stream().anyMatch(s -> s.getNodeId().equals("a")));
    }

    @Test
    void aNodeHoldingASuspicionAsksTheSuspectEveryQuarterAndItsAnswerClearsIt() {
        FakeCluster cluster = new FakeCluster(SETTINGS, 13);
        Membership a = lone(cluster, "a");
        a.onMessage("c", rumor("c", state("b", 1, 1, 10), state("c", 1, 1, 1)));
        int sentBefore = cluster.sent.size();
        a.onMessage("c", suspicion("c", "b", 1, 10));
        cluster.advance(SETTINGS.suspicionTimeout().minusMillis(1));
        List<FakeCluster.Envelope> asks = cluster.sent.subList(sentBefore, cluster.sent.size()).stream()
                .filter(e -> e.to().equals("b") && e.message().hasPing() && mentionsSuspicionOf(e.message(), "b"))
                .toList();
        assertThat(asks).as("asked at once and at every quarter before the deadline").hasSizeBetween(4, 5);
        assertThat(a.liveness("b")).contains(Liveness.SUSPECT);

        // b answers the last ask with a heartbeat past the suspicion: direct evidence, no margin needed
        GossipMessage ask = asks.get(asks.size() - 1).message();
        a.onMessage("b", from("b").setPingAck(io.murmur.proto.peer.PingAck.newBuilder()
                .setSeq(ask.getPing().getSeq()).setHeartbeat(11)).build());
        assertThat(a.liveness("b")).contains(Liveness.ALIVE);
        cluster.advance(Duration.ofSeconds(2));
        assertThat(a.liveness("b")).contains(Liveness.ALIVE);
        assertThat(a.stats().markedDown).isZero();
    }

    @Test
    void aSuspicionAboutAnotherGenerationOfItselfIsIgnored() {
        FakeCluster cluster = new FakeCluster(SETTINGS, 5);
        Membership a = lone(cluster, "a");
        long heartbeat = a.self().getHeartbeat();
        a.onMessage("r", suspicion("r", "a", a.self().getGeneration() + 1, heartbeat));
        assertThat(a.self().getHeartbeat()).isEqualTo(heartbeat);
        assertThat(a.stats().refutations).isZero();
    }

    @Test
    void aStaleSuspicionIsNotSpreadButAnsweredWithTheNewerHeartbeat() {
        FakeCluster cluster = new FakeCluster(SETTINGS, 6);
        Membership a = lone(cluster, "a");
        a.onMessage("c", rumor("c", state("b", 1, 1, 10), state("c", 1, 1, 1)));
        cluster.advance(Duration.ofMillis(300));
        int sentBefore = cluster.sent.size();

        a.onMessage("c", suspicion("c", "b", 1, 10 - Membership.REFUTE_MARGIN));
        cluster.advance(Duration.ofMillis(900)); // a round of gossip, pings and news

        assertThat(a.liveness("b")).contains(Liveness.ALIVE);
        List<FakeCluster.Envelope> after = cluster.sent.subList(sentBefore, cluster.sent.size());
        assertThat(after).as("nobody is told of the stale suspicion")
                .noneMatch(e -> mentionsSuspicionOf(e.message(), "b"));
        assertThat(after).as("the reporter is told of the later heartbeat")
                .anyMatch(e -> e.to().equals("c") && e.message().getNewsList().stream()
                        .anyMatch(s -> s.getNodeId().equals("b") && s.getHeartbeat() == 10));
    }

    @Test
    void aFreshSuspicionIsSpreadAndTurnsIntoDownUnlessRefutedByAHeartbeatPastTheMargin() {
        FakeCluster cluster = new FakeCluster(SETTINGS, 7);
        Membership a = lone(cluster, "a");
        a.onMessage("c", rumor("c", state("b", 1, 1, 10), state("c", 1, 1, 1)));
        int sentBefore = cluster.sent.size();

        a.onMessage("c", suspicion("c", "b", 1, 10));
        assertThat(a.liveness("b")).contains(Liveness.SUSPECT);
        assertThat(cluster.sent.subList(sentBefore, cluster.sent.size())).as("passed on as news")
                .anyMatch(e -> !e.to().equals("c") && mentionsSuspicionOf(e.message(), "b"));

        cluster.advance(SETTINGS.suspicionTimeout().plusMillis(250));
        assertThat(a.liveness("b")).contains(Liveness.DOWN);
        assertThat(a.stats().markedDown).isEqualTo(1);

        // a heartbeat heard second-hand just past the suspicion does not clear it ...
        a.onMessage("c", rumor("c", state("b", 1, 1, 10 + Membership.REFUTE_MARGIN - 1)));
        assertThat(a.liveness("b")).contains(Liveness.DOWN);
        // ... one the suspect raised on purpose does
        a.onMessage("c", rumor("c", state("b", 1, 1, 10 + Membership.REFUTE_MARGIN)));
        assertThat(a.liveness("b")).contains(Liveness.ALIVE);
        assertThat(a.stats().refutations).isEqualTo(1);
    }

    @Test
    void aSuspicionAboutAnOlderGenerationIsIgnored() {
        FakeCluster cluster = new FakeCluster(SETTINGS, 8);
        Membership a = lone(cluster, "a");
        a.onMessage("c", rumor("c", state("b", 2, 1, 10), state("c", 1, 1, 1)));
        a.onMessage("c", suspicion("c", "b", 1, 50));
        assertThat(a.liveness("b")).contains(Liveness.ALIVE);
    }

    // ------------------------------------------------------------------ cores talking to each other

    @Test
    void threeNodesJoinThroughASeedAndACrashedOneIsDownWithinFiveSeconds() {
        FakeCluster cluster = new FakeCluster(SETTINGS, 9);
        cluster.start("a", List.of("a"));
        cluster.start("b", List.of("a"));
        cluster.start("c", List.of("a"));
        cluster.run(Duration.ofSeconds(5));
        for (String o : List.of("a", "b", "c")) {
            for (String s : List.of("a", "b", "c")) {
                assertThat(cluster.core(o).liveness(s)).as("%s about %s", o, s).contains(Liveness.ALIVE);
            }
            assertThat(cluster.core(o).self().getStatus()).isEqualTo(MemberStatus.NORMAL);
            assertThat(cluster.core(o).ringFingerprint()).isEqualTo(cluster.core("a").ringFingerprint());
        }

        cluster.crash("c");
        cluster.run(Duration.ofSeconds(5));
        assertThat(cluster.core("a").liveness("c")).contains(Liveness.DOWN);
        assertThat(cluster.core("b").liveness("c")).contains(Liveness.DOWN);

        Membership c2 = cluster.start("c", List.of("a"));
        cluster.run(Duration.ofSeconds(3));
        assertThat(c2.self().getGeneration()).isEqualTo(2);
        assertThat(cluster.core("a").liveness("c")).contains(Liveness.ALIVE);
        assertThat(cluster.core("b").state("c").orElseThrow().getGeneration()).isEqualTo(2);
        assertThat(cluster.core("b").liveness("c")).contains(Liveness.ALIVE);
    }

    @Test
    void aNewNodePullsTheMembersItHasNeverHeardOfWithinAFewRounds() {
        // b gossips with its seed every round, as it would with some live peer in a real cluster
        MembershipSettings d = SETTINGS;
        MembershipSettings alwaysSeed = new MembershipSettings(d.interval(), d.monitors(), d.indirectProbes(),
                d.phiThreshold(), d.phiWindow(), d.minStdDev(), d.acceptablePause(), d.suspicionTimeout(),
                d.localPauseThreshold(), d.fanout(), d.newsRounds(), d.maxDigests(), d.maxStates(),
                d.maxMessageBytes(), 1.0, d.removeLeftAfter(), d.removeDownAfter());
        FakeCluster cluster = new FakeCluster(alwaysSeed, 10);
        int others = 300;
        seedKnowingOldMembers(cluster, others);
        Membership b = cluster.start("b", List.of("a"));
        // Without pulls b would hear of a's members only from the samples in the exchanges a
        // starts with b, in about one of a's rounds in 300.
        cluster.run(Duration.ofSeconds(3));
        assertThat(b.knownMembers()).as("b knows most of what a knows after 3 rounds").isGreaterThan(others * 9 / 10);
        // the last few come as random samples happen to name them
        cluster.run(Duration.ofSeconds(12));
        assertThat(b.knownMembers()).as("b knows 99% of what a knows").isGreaterThanOrEqualTo(others * 99 / 100);
        assertThat(b.stats().pulls).isBetween(1L, 15L * Membership.PULLS_PER_ROUND);
    }

    /**
     * Starts seed "a" knowing {@code count} other members, long enough ago for them to be old
     * news: a no longer pushes them on its own.
     */
    private static Membership seedKnowingOldMembers(FakeCluster cluster, int count) {
        Membership a = cluster.start("a", List.of());
        for (int i = 0; i < count; i++) {
            a.onMessage("x", rumor("x", state(String.format("m%03d", i), 1, 1, 1)));
        }
        cluster.advance(Duration.ofSeconds(15));
        cluster.inFlight.clear();
        return a;
    }

    @Test
    void aJoiningNodeReadsItsSeedsWholeMemberListInBoundedPagesBeforeItIsNormal() {
        FakeCluster cluster = new FakeCluster(SETTINGS, 12);
        int others = 300;
        seedKnowingOldMembers(cluster, others);
        Membership b = cluster.start("b", List.of("a"));
        assertThat(b.self().getStatus()).isEqualTo(MemberStatus.JOINING);
        // 301 states at 64 a page: five round trips, well within one round
        cluster.run(Duration.ofMillis(500));
        assertThat(b.self().getStatus()).isEqualTo(MemberStatus.NORMAL);
        assertThat(b.knownMembers()).as("every member of a, and a itself").isEqualTo(others + 1);
    }

    @Test
    void aNodeWithAFullViewPullsNothing() {
        FakeCluster cluster = new FakeCluster(SETTINGS, 11);
        for (String id : List.of("a", "b", "c", "d")) {
            cluster.start(id, List.of("a"));
        }
        cluster.run(Duration.ofSeconds(5));
        long pulls = 0;
        for (String id : List.of("a", "b", "c", "d")) {
            pulls += cluster.core(id).stats().pulls;
        }
        cluster.run(Duration.ofSeconds(20));
        long later = 0;
        for (String id : List.of("a", "b", "c", "d")) {
            later += cluster.core(id).stats().pulls;
        }
        assertThat(later).isEqualTo(pulls);
    }
}
