package io.murmur.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.murmur.membership.Liveness;
import io.murmur.membership.MemberInfo;
import io.murmur.proto.peer.MemberStatus;
import io.murmur.ring.RingMember;
import io.murmur.ring.RingSnapshot;
import io.murmur.server.NodeAssembly;
import io.murmur.testing.TestNodes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The smart client against three real nodes on loopback: given one node, it learns all
 * three, routes each key as the nodes' own ring places it, and keeps working when the node
 * it was given stops. Routing only: whether the nodes replicate is not looked at.
 */
class SmartClientClusterTest {
    @TempDir
    Path dir;

    private final List<NodeAssembly> running = new ArrayList<>();
    private final List<MurmurClient> clients = new ArrayList<>();

    @AfterEach
    void stopAll() {
        clients.forEach(MurmurClient::close);
        running.forEach(NodeAssembly::close);
    }

    private NodeAssembly start(String id, NodeAssembly seed) throws Exception {
        NodeAssembly node = TestNodes.start(dir.resolve(id), TestNodes.member(id, seed));
        running.add(node);
        return node;
    }

    private static String address(NodeAssembly node) {
        return "127.0.0.1:" + node.clientAddress().getPort();
    }

    private MurmurClient client(NodeAssembly node, boolean smart) {
        MurmurClient client = MurmurClient.builder()
                .hosts(address(node))
                .smartRouting(smart)
                .replicationFactor(1)
                .refreshInterval(Duration.ofMillis(200))
                .requestTimeout(Duration.ofSeconds(10))
                .build();
        clients.add(client);
        return client;
    }

    /** The ring as {@code node}'s membership holds it: NORMAL and LEAVING members. */
    private static RingSnapshot ringOf(NodeAssembly node) {
        List<RingMember> members = new ArrayList<>();
        for (MemberInfo m : node.membership().members()) {
            if (m.status() == MemberStatus.NORMAL || m.status() == MemberStatus.LEAVING) {
                members.add(new RingMember(m.nodeId(), m.rack(), m.vnodes(), m.weight()));
            }
        }
        return RingSnapshot.of(members);
    }

    /**
     * One replica's answer is enough: this test is about where requests go, and must hold
     * whether or not the nodes replicate yet.
     */
    private static final PutOptions ONE_ACK = PutOptions.withW(1);
    private static final GetOptions ONE_READ = GetOptions.withR(1);

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void learnsTheClusterFromOneNodeRoutesByItsRingAndOutlivesThatNode() throws Exception {
        NodeAssembly a = start("a", null);
        NodeAssembly b = start("b", a);
        NodeAssembly c = start("c", a);
        List<NodeAssembly> all = List.of(a, b, c);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            for (NodeAssembly n : all) {
                assertThat(n.membership().members()).extracting(MemberInfo::nodeId).containsExactly("a", "b", "c");
                assertThat(n.membership().members()).allSatisfy(m -> {
                    assertThat(m.status()).isEqualTo(MemberStatus.NORMAL);
                    assertThat(m.liveness()).isEqualTo(Liveness.ALIVE);
                });
            }
        });

        MurmurClient client = client(b, true);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(client.router().view().hasRing()).isTrue();
            assertThat(client.router().view().nodes()).containsOnlyKeys("a", "b", "c");
        });
        assertThat(client.router().knownHosts()).containsExactlyInAnyOrder(address(a), address(b), address(c));

        // each write goes to the key's primary as the nodes place it, and that node has the key
        Map<String, NodeAssembly> byId = Map.of("a", a, "b", b, "c", c);
        RingSnapshot ring = ringOf(a);
        Map<String, Integer> perNode = new HashMap<>();
        for (int i = 0; i < 30; i++) {
            String key = "user:" + i;
            String primary = ring.preferenceList(utf8(key), 1).get(0);
            assertThat(client.router().firstChoiceFor(utf8(key), false)).as(key).isEqualTo(primary);
            client.blocking().put(utf8(key), utf8("v" + i), CausalContext.EMPTY, ONE_ACK);
            MurmurClient direct = client(byId.get(primary), false);
            assertThat(direct.blocking().get(key, ONE_READ).found()).as("%s on its primary %s", key, primary).isTrue();
            direct.close();
            perNode.merge(primary, 1, Integer::sum);
        }
        assertThat(perNode).containsOnlyKeys("a", "b", "c");

        // the node the client was given stops: the client goes on through the others (with
        // quorums, so that a read sees the write whichever replicas the two went to)
        b.close();
        running.remove(b);
        for (int i = 0; i < 30; i++) {
            String key = "after:" + i;
            client.blocking().put(utf8(key), utf8("v"), CausalContext.EMPTY, PutOptions.withW(2));
            GetResult read = client.blocking().get(key, GetOptions.withR(2));
            assertThat(read.found()).as(key).isTrue();
        }
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(client.router().view().nodes().get("b").alive()).isFalse());
        for (int i = 0; i < 30; i++) {
            byte[] key = utf8("user:" + i);
            assertThat(client.router().firstChoiceFor(key, false)).isNotEqualTo("b");
            assertThat(client.router().firstChoiceFor(key, true)).isNotEqualTo("b");
        }
    }
}
