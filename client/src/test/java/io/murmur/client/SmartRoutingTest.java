package io.murmur.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.murmur.proto.client.ClusterInfo;
import io.murmur.proto.client.Member;
import io.murmur.proto.client.Request;
import io.murmur.proto.client.Response;
import io.murmur.ring.RingMember;
import io.murmur.ring.RingSnapshot;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Smart routing against fake nodes that describe one cluster: the client learns the
 * members from one host and sends each keyed request to a replica of the key.
 */
class SmartRoutingTest {
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        Collections.reverse(toClose);
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    /** Fakes that store what they receive and answer ClusterInfo with one shared description. */
    private final class FakeCluster {
        final Map<String, FakeNode> nodes = new LinkedHashMap<>();
        final Map<String, String> liveness = new ConcurrentHashMap<>();
        final AtomicReference<ClusterInfo> info = new AtomicReference<>();

        FakeCluster(String... ids) {
            for (String id : ids) {
                FakeNode.MemoryStore store = new FakeNode.MemoryStore();
                FakeNode node = FakeNode.start((request, replier) -> {
                    if (request.hasClusterInfo()) {
                        replier.send(Response.newBuilder().setClusterInfo(info.get().toBuilder().setNodeId(id)));
                    } else {
                        store.onRequest(request, replier);
                    }
                });
                toClose.add(node);
                nodes.put(id, node);
                liveness.put(id, "ALIVE");
            }
            describe();
        }

        /** Publishes the members with their current liveness. */
        void describe() {
            ClusterInfo.Builder b = ClusterInfo.newBuilder().setClusterName("fake").setProtocolVersion(1);
            for (Map.Entry<String, FakeNode> e : nodes.entrySet()) {
                b.addMembers(Member.newBuilder().setNodeId(e.getKey()).setHost("127.0.0.1")
                        .setClientPort(e.getValue().port()).setStatus("NORMAL").setLiveness(liveness.get(e.getKey()))
                        .setRack("r1").setVnodes(16).setWeight(1));
            }
            info.set(b.build());
        }

        RingSnapshot ring() {
            List<RingMember> members = new ArrayList<>();
            for (String id : nodes.keySet()) {
                members.add(RingMember.of(id, "r1", 16));
            }
            return RingSnapshot.of(members);
        }

        FakeNode node(String id) {
            return nodes.get(id);
        }

        /** The node that received a request for {@code key} of the given kind, failing unless exactly one did. */
        List<String> receivers(Request.OpCase op, String key) {
            List<String> out = new ArrayList<>();
            for (Map.Entry<String, FakeNode> e : nodes.entrySet()) {
                for (Request r : e.getValue().allRequests()) {
                    if (r.getOpCase() == op && keyOf(r).equals(key)) {
                        out.add(e.getKey());
                    }
                }
            }
            return out;
        }

        long count(String id, Request.OpCase op) {
            return node(id).allRequests().stream().filter(r -> r.getOpCase() == op).count();
        }
    }

    private static String keyOf(Request r) {
        switch (r.getOpCase()) {
            case GET: return r.getGet().getKey().toStringUtf8();
            case PUT: return r.getPut().getKey().toStringUtf8();
            case DELETE: return r.getDelete().getKey().toStringUtf8();
            default: return "";
        }
    }

    private MurmurClient client(Consumer<MurmurClient.Builder> settings, String... hosts) {
        MurmurClient.Builder builder = MurmurClient.builder().hosts(hosts)
                .requestTimeout(Duration.ofSeconds(5)).connectTimeout(Duration.ofSeconds(2))
                .refreshInterval(Duration.ofMillis(100));
        settings.accept(builder);
        MurmurClient client = builder.build();
        toClose.add(client);
        return client;
    }

    private static void awaitMembers(MurmurClient client, int members) {
        await().atMost(Duration.ofSeconds(10)).until(() ->
                client.router().view().hasRing() && client.router().view().nodes().size() == members);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void learnsTheMembersFromOneHostAndSendsEachWriteToTheKeysFirstReplica() {
        FakeCluster cluster = new FakeCluster("a", "b", "c");
        MurmurClient client = client(b -> { }, cluster.node("a").address());
        awaitMembers(client, 3);
        assertThat(client.router().knownHosts()).containsExactlyInAnyOrder(
                cluster.node("a").address(), cluster.node("b").address(), cluster.node("c").address());
        RingSnapshot ring = cluster.ring();

        for (int i = 0; i < 60; i++) {
            String key = "k" + i;
            String expected = ring.preferenceList(utf8(key), 3).get(0);
            assertThat(client.router().firstChoiceFor(utf8(key), false)).isEqualTo(expected);
            client.put(key, "v").join();
            client.delete(key).join();
            assertThat(cluster.receivers(Request.OpCase.PUT, key)).as(key).containsExactly(expected);
            assertThat(cluster.receivers(Request.OpCase.DELETE, key)).as(key).containsExactly(expected);
        }
        for (String id : List.of("a", "b", "c")) {
            assertThat(cluster.count(id, Request.OpCase.PUT)).as("puts on %s", id).isPositive();
        }
    }

    @Test
    void readsRotateOverTheReplicasAndNoOtherNode() {
        FakeCluster cluster = new FakeCluster("a", "b", "c", "d");
        MurmurClient client = client(b -> b.replicationFactor(2), cluster.node("a").address());
        awaitMembers(client, 4);
        String key = "hot";
        List<String> replicas = cluster.ring().preferenceList(utf8(key), 2);

        for (int i = 0; i < 20; i++) {
            client.get(key).join();
        }

        List<String> readers = cluster.receivers(Request.OpCase.GET, key);
        assertThat(readers).hasSize(20).containsOnlyElementsOf(replicas);
        for (String replica : replicas) {
            assertThat(Collections.frequency(readers, replica)).as("reads on %s", replica).isEqualTo(10);
        }
    }

    @Test
    void aReplicaNotAliveIsPassedOverAfterTheNextRefresh() {
        FakeCluster cluster = new FakeCluster("a", "b", "c");
        MurmurClient client = client(b -> { }, cluster.node("a").address());
        awaitMembers(client, 3);

        cluster.liveness.put("b", "SUSPECT");
        cluster.describe();
        await().atMost(Duration.ofSeconds(10)).until(() -> !client.router().view().nodes().get("b").alive());
        RingSnapshot ring = cluster.ring();
        for (int i = 0; i < 40; i++) {
            String key = "k" + i;
            List<String> alive = new ArrayList<>(ring.preferenceList(utf8(key), 3));
            alive.remove("b");
            client.put(key, "v").join();
            client.get(key).join();
            assertThat(cluster.receivers(Request.OpCase.PUT, key)).containsExactly(alive.get(0));
            assertThat(cluster.receivers(Request.OpCase.GET, key)).hasSize(1).isSubsetOf(alive);
        }
        assertThat(cluster.count("b", Request.OpCase.PUT) + cluster.count("b", Request.OpCase.GET)).isZero();
    }

    @Test
    void aWriteWhoseReplicaCannotBeReachedGoesToTheNextReplicaAndTheViewIsRefreshed() {
        FakeCluster cluster = new FakeCluster("a", "b", "c");
        MurmurClient client = client(b -> b.refreshInterval(Duration.ofMinutes(10)), cluster.node("a").address());
        awaitMembers(client, 3);
        long refreshes = client.router().refreshCount();
        RingSnapshot ring = cluster.ring();
        String key = null;
        for (int i = 0; key == null; i++) {
            if (ring.preferenceList(utf8("k" + i), 3).get(0).equals("c")) {
                key = "k" + i;
            }
        }

        cluster.node("c").close(); // the node is gone; the view still calls it ALIVE
        client.put(key, "v").join();

        assertThat(cluster.receivers(Request.OpCase.PUT, key)).containsExactly(ring.preferenceList(utf8(key), 3).get(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> client.router().refreshCount() > refreshes);
    }

    @Test
    void adminRequestsGoToTheConfiguredHostsOnly() {
        FakeCluster cluster = new FakeCluster("a", "b", "c");
        MurmurClient client = client(b -> { }, cluster.node("a").address());
        awaitMembers(client, 3);

        for (int i = 0; i < 6; i++) {
            client.ping().join();
        }
        assertThat(client.clusterInfo().join().getNodeId()).isEqualTo("a");

        assertThat(cluster.count("a", Request.OpCase.PING)).isEqualTo(6);
        assertThat(cluster.count("b", Request.OpCase.PING) + cluster.count("c", Request.OpCase.PING)).isZero();
    }

    @Test
    void withoutSmartRoutingEveryRequestGoesToTheConfiguredHosts() throws Exception {
        FakeCluster cluster = new FakeCluster("a", "b", "c");
        MurmurClient client = client(b -> b.smartRouting(false), cluster.node("a").address());

        for (int i = 0; i < 20; i++) {
            client.put("k" + i, "v").join();
            client.get("k" + i).join();
        }
        Thread.sleep(300); // several refresh intervals, were it refreshing

        assertThat(client.router().view().nodes()).isEmpty();
        assertThat(cluster.node("a").allRequests()).noneMatch(Request::hasClusterInfo);
        assertThat(cluster.count("a", Request.OpCase.PUT)).isEqualTo(20);
        assertThat(cluster.node("b").connectionCount() + cluster.node("c").connectionCount()).isZero();
    }

    @Test
    void failuresAskForTheMembersOnceUntilAReplyArrives() throws Exception {
        // a node that drops the connection whenever it is asked for the members
        FakeNode.MemoryStore store = new FakeNode.MemoryStore();
        FakeNode node = FakeNode.start((request, replier) -> {
            if (request.hasClusterInfo()) {
                replier.channel().close();
            } else {
                store.onRequest(request, replier);
            }
        });
        toClose.add(node);
        MurmurClient client = client(b -> b.refreshInterval(Duration.ofMinutes(10)), node.address());

        await().atMost(Duration.ofSeconds(10)).until(() -> count(node) == 2); // the first ask, and one after its failure
        Thread.sleep(2_500);

        assertThat(count(node)).isEqualTo(2);
        assertThat(client.router().refreshCount()).isZero();
        client.put("k", "v").join(); // round-robin still works
    }

    private static long count(FakeNode node) {
        return node.allRequests().stream().filter(Request::hasClusterInfo).count();
    }

    @Test
    void aClusterInfoWithoutARingLeavesRequestsRoundRobin() {
        // FakeNode's own ClusterInfo lists one member without vnodes: no ring can be built
        FakeNode one = FakeNode.start();
        FakeNode two = FakeNode.start();
        toClose.add(one);
        toClose.add(two);
        MurmurClient client = client(b -> b.refreshInterval(Duration.ofMinutes(10)), one.address(), two.address());
        await().atMost(Duration.ofSeconds(10)).until(() -> client.router().refreshCount() > 0);

        for (int i = 0; i < 10; i++) {
            client.put("k" + i, "v").join();
        }

        assertThat(client.router().view().hasRing()).isFalse();
        assertThat(client.router().firstChoiceFor(utf8("k1"), false)).isNull();
        assertThat(one.allRequests()).filteredOn(Request::hasPut).hasSize(5);
        assertThat(two.allRequests()).filteredOn(Request::hasPut).hasSize(5);
    }
}
