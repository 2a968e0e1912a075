package io.murmur.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.murmur.proto.client.ClusterInfo;
import io.murmur.proto.client.Member;
import io.murmur.ring.RingMember;
import io.murmur.ring.RingSnapshot;
import io.murmur.ring.Token;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Where smart routing sends a key, as a pure function of a ClusterInfo. */
class ClusterViewTest {
    private static Member member(String id, String status, String liveness, String rack, int vnodes) {
        return Member.newBuilder().setNodeId(id).setHost("10.0.0." + (id.charAt(id.length() - 1) - 'a' + 1))
                .setClientPort(7070).setPeerPort(7071).setStatus(status).setLiveness(liveness)
                .setRack(rack).setVnodes(vnodes).setWeight(1).build();
    }

    private static ClusterInfo info(String answeredBy, Member... members) {
        return ClusterInfo.newBuilder().setClusterName("test").setNodeId(answeredBy).setProtocolVersion(1)
                .addAllMembers(List.of(members)).build();
    }

    private static byte[] key(int i) {
        return ("key-" + i).getBytes(StandardCharsets.UTF_8);
    }

    /** Five NORMAL members on three racks, all ALIVE. */
    private static List<Member> five() {
        return new ArrayList<>(List.of(
                member("n-a", "NORMAL", "ALIVE", "r1", 16),
                member("n-b", "NORMAL", "ALIVE", "r2", 16),
                member("n-c", "NORMAL", "ALIVE", "r3", 16),
                member("n-d", "NORMAL", "ALIVE", "r1", 16),
                member("n-e", "NORMAL", "ALIVE", "r2", 16)));
    }

    private static RingSnapshot ringOf(List<Member> members) {
        List<RingMember> ring = new ArrayList<>();
        for (Member m : members) {
            ring.add(new RingMember(m.getNodeId(), m.getRack(), m.getVnodes(), Math.max(1, m.getWeight())));
        }
        return RingSnapshot.of(ring);
    }

    @Test
    void aWriteGoesToTheFirstReplicaOfTheNodesRing() {
        List<Member> members = five();
        ClusterView view = ClusterView.from(info("n-a", members.toArray(new Member[0])), 3, null);
        RingSnapshot ring = ringOf(members);

        assertThat(view.hasRing()).isTrue();
        for (int i = 0; i < 500; i++) {
            List<String> replicas = view.replicasFor(key(i), 0);
            assertThat(replicas).as("key %d", i).isEqualTo(ring.preferenceList(key(i), 3));
            assertThat(replicas.get(0)).isEqualTo(primaryByBruteForce(members, key(i)));
        }
    }

    @Test
    void theReplicationFactorTheClusterReportsWinsOverTheConfiguredOne() {
        List<Member> members = five();
        ClusterInfo reported = info("n-a", members.toArray(new Member[0])).toBuilder().setReplicationFactor(1).build();
        ClusterView view = ClusterView.from(reported, 3, null);
        RingSnapshot ring = ringOf(members);
        for (int i = 0; i < 200; i++) {
            assertThat(view.replicasFor(key(i), 0)).as("key %d", i).isEqualTo(ring.preferenceList(key(i), 1));
        }
    }

    /** The owner of the first token at or after the key's, tokens being Murmur3 of "id#i". */
    private static String primaryByBruteForce(List<Member> members, byte[] key) {
        TreeMap<Long, String> tokens = new TreeMap<>();
        for (Member m : members) {
            for (int i = 0; i < m.getVnodes() * m.getWeight(); i++) {
                long t = io.murmur.ring.Murmur3.hash64((m.getNodeId() + "#" + i).getBytes(StandardCharsets.UTF_8));
                tokens.merge(t, m.getNodeId(), (x, y) -> x.compareTo(y) <= 0 ? x : y);
            }
        }
        Map.Entry<Long, String> e = tokens.ceilingEntry(Token.of(key));
        return (e != null ? e : tokens.firstEntry()).getValue();
    }

    @Test
    void replicasNotAliveAreSkippedAndAWriteGoesToTheFirstAliveOne() {
        List<Member> members = five();
        members.set(1, member("n-b", "NORMAL", "SUSPECT", "r2", 16));
        members.set(2, member("n-c", "NORMAL", "DOWN", "r3", 16));
        ClusterView view = ClusterView.from(info("n-a", members.toArray(new Member[0])), 3, null);
        RingSnapshot ring = ringOf(members); // not-ALIVE members stay in the ring

        int skipped = 0;
        for (int i = 0; i < 500; i++) {
            List<String> expected = new ArrayList<>(ring.preferenceList(key(i), 3));
            if (expected.removeIf(id -> id.equals("n-b") || id.equals("n-c"))) {
                skipped++;
            }
            assertThat(view.replicasFor(key(i), 0)).as("key %d", i).isEqualTo(expected);
        }
        assertThat(skipped).isGreaterThan(100);
    }

    @Test
    void readsRotateOverTheAliveReplicas() {
        List<Member> members = five();
        members.set(3, member("n-d", "NORMAL", "DOWN", "r1", 16));
        ClusterView view = ClusterView.from(info("n-a", members.toArray(new Member[0])), 3, null);

        for (int i = 0; i < 100; i++) {
            List<String> alive = view.replicasFor(key(i), 0);
            Set<String> firstChoices = new HashSet<>();
            for (int spin = 0; spin < 2 * alive.size(); spin++) {
                List<String> rotated = view.replicasFor(key(i), spin);
                assertThat(rotated).containsExactlyInAnyOrderElementsOf(alive);
                firstChoices.add(rotated.get(0));
            }
            assertThat(firstChoices).as("key %d", i).containsExactlyInAnyOrderElementsOf(alive);
        }
    }

    @Test
    void onlyNormalAndLeavingMembersAreInTheRing() {
        Member joining = member("n-j", "JOINING", "ALIVE", "r1", 16);
        Member leaving = member("n-l", "LEAVING", "ALIVE", "r2", 16);
        Member left = member("n-x", "LEFT", "ALIVE", "r3", 16);
        List<Member> members = five();
        members.addAll(List.of(joining, leaving, left));
        ClusterView view = ClusterView.from(info("n-a", members.toArray(new Member[0])), 3, null);
        List<Member> ringMembers = five();
        ringMembers.add(leaving);
        RingSnapshot ring = ringOf(ringMembers);

        for (int i = 0; i < 300; i++) {
            assertThat(view.replicasFor(key(i), 0)).isEqualTo(ring.preferenceList(key(i), 3));
        }
        assertThat(view.reachable()).extracting(ClusterView.Node::nodeId)
                .as("a JOINING member may coordinate, a LEFT one may not")
                .contains("n-j", "n-l").doesNotContain("n-x");
    }

    @Test
    void aReplicationFactorAboveTheMemberCountMeansEveryMember() {
        ClusterView view = ClusterView.from(info("n-a",
                member("n-a", "NORMAL", "ALIVE", "r1", 8), member("n-b", "NORMAL", "ALIVE", "r1", 8)), 5, null);

        for (int i = 0; i < 50; i++) {
            assertThat(view.replicasFor(key(i), 0)).containsExactlyInAnyOrder("n-a", "n-b");
        }
    }

    @Test
    void theAnsweringNodeCountsAsAliveAndAMemberWithoutAddressIsNeverChosen() {
        Member noLiveness = member("n-a", "NORMAL", "", "r1", 8);
        Member noAddress = member("n-b", "NORMAL", "ALIVE", "r1", 8).toBuilder().setClientPort(0).build();
        ClusterView view = ClusterView.from(info("n-a", noLiveness, noAddress), 3, null);

        for (int i = 0; i < 50; i++) {
            assertThat(view.replicasFor(key(i), i)).containsExactly("n-a");
        }
    }

    @Test
    void aMemberTheRingRefusesLeavesNoRingAndSoRoundRobin() {
        // an older or fake node that reports no vnodes
        ClusterView view = ClusterView.from(info("fake",
                Member.newBuilder().setNodeId("fake").setHost("127.0.0.1").setClientPort(7070)
                        .setStatus("NORMAL").setRack("r1").build()), 3, null);

        assertThat(view.hasRing()).isFalse();
        assertThat(view.replicasFor(key(1), 0)).isEmpty();
        assertThat(view.reachable()).extracting(ClusterView.Node::nodeId).containsExactly("fake");
        assertThat(ClusterView.UNKNOWN.replicasFor(key(1), 0)).isEmpty();
    }

    @Test
    void anUnchangedRingIsReusedAcrossRefreshes() {
        List<Member> members = five();
        ClusterView first = ClusterView.from(info("n-a", members.toArray(new Member[0])), 3, null);
        members.set(4, member("n-e", "NORMAL", "SUSPECT", "r2", 16)); // liveness is not the ring
        ClusterView second = ClusterView.from(info("n-b", members.toArray(new Member[0])), 3, first);
        members.set(4, member("n-e", "NORMAL", "ALIVE", "r2", 32));
        ClusterView third = ClusterView.from(info("n-b", members.toArray(new Member[0])), 3, second);

        assertThat(second.ring()).isSameAs(first.ring());
        assertThat(third.ring()).isNotSameAs(second.ring());
    }
}
