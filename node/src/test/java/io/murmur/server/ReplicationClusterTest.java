package io.murmur.server;

import com.google.protobuf.ByteString;
import io.murmur.membership.Liveness;
import io.murmur.membership.MemberInfo;
import io.murmur.proto.client.ClusterInfo;
import io.murmur.proto.client.ErrorCode;
import io.murmur.proto.client.Get;
import io.murmur.proto.client.Member;
import io.murmur.proto.client.Put;
import io.murmur.proto.client.Request;
import io.murmur.proto.client.Response;
import io.murmur.testing.RawClient;
import io.murmur.testing.Requests;
import io.murmur.testing.TestNodes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.murmur.testing.Requests.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three real nodes on loopback replicate every key to all three (N = 3, R = W = 2): what
 * one node acknowledges every node reads; with one node killed, writes still succeed and
 * the survivors keep hints for it; once it is back the hints drain and its own disk holds
 * every write (read with R = 1 through it, which answers from its own replica).
 */
class ReplicationClusterTest {
    private static final int KEYS = 200;

    @TempDir
    Path dir;

    private final List<NodeAssembly> running = new ArrayList<>();

    @AfterEach
    void stopAll() {
        for (NodeAssembly n : running) {
            n.close();
        }
    }

    private NodeAssembly start(String id, NodeAssembly seed) throws Exception {
        NodeAssembly node = TestNodes.start(dir.resolve(id), settings(id, seed));
        running.add(node);
        return node;
    }

    private static Map<String, Object> settings(String id, NodeAssembly seed) {
        Map<String, Object> values = new HashMap<>(TestNodes.member(id, seed));
        values.put("replication.timeout_millis", 1000);
        return values;
    }

    private static Request put(long id, String key, String value, Integer w) {
        Put.Builder put = Put.newBuilder().setKey(bytes(key)).setValue(bytes(value));
        if (w != null) {
            put.setW(w);
        }
        return Request.newBuilder().setRequestId(id).setPut(put).build();
    }

    private static Request get(long id, String key, int r) {
        return Request.newBuilder().setRequestId(id).setGet(Get.newBuilder().setKey(bytes(key)).setR(r)).build();
    }

    private static void awaitAllAlive(List<NodeAssembly> nodes) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (NodeAssembly n : nodes) {
                assertThat(n.membership().members()).hasSize(nodes.size())
                        .allSatisfy(m -> assertThat(m.liveness()).isEqualTo(Liveness.ALIVE));
            }
        });
    }

    @Test
    void writesReplicateToEveryNodeAndAKilledNodeCatchesUpFromHintsWhenItReturns() throws Exception {
        NodeAssembly a = start("a", null);
        NodeAssembly b = start("b", a);
        NodeAssembly c = start("c", a);
        awaitAllAlive(List.of(a, b, c));

        try (RawClient viaA = new RawClient(a.clientAddress());
             RawClient viaB = new RawClient(b.clientAddress());
             RawClient viaC = new RawClient(c.clientAddress())) {
            for (int i = 0; i < KEYS; i++) {
                Response r = viaA.call(put(i, "k" + i, "v" + i, null));
                assertThat(r.hasPut()).as("put k%d: %s", i, r).isTrue();
            }
            for (RawClient reader : List.of(viaA, viaB, viaC)) {
                for (int i = 0; i < KEYS; i++) {
                    Response r = reader.call(get(i, "k" + i, 2));
                    assertThat(r.getGet().getSiblingsList()).as("k%d", i).hasSize(1);
                    assertThat(r.getGet().getSiblings(0).getValue()).isEqualTo(bytes("v" + i));
                }
            }
        }

        // kill c; writes with W = 2 still succeed through a
        Path cDir = c.config().dataDir;
        c.close();
        running.remove(c);
        try (RawClient viaA = new RawClient(a.clientAddress())) {
            for (int i = 0; i < KEYS; i++) {
                ByteString context = viaA.call(get(1000 + i, "k" + i, 2)).getGet().getContext();
                Response r = viaA.call(put(2000 + i, "k" + i, "w" + i, 2).toBuilder()
                        .setPut(put(0, "k" + i, "w" + i, 2).getPut().toBuilder().setContext(context)).build());
                assertThat(r.hasPut()).as("put k%d with c down: %s", i, r).isTrue();
            }
            // c never acknowledges: at each write's deadline a keeps a hint for it
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                ClusterInfo info = viaA.call(Requests.clusterInfo(1)).getClusterInfo();
                Member seenC = info.getMembersList().stream().filter(m -> m.getNodeId().equals("c")).findFirst()
                        .orElseThrow();
                assertThat(seenC.getHintsPending()).as("a keeps hints for c").isEqualTo(KEYS);
                assertThat(seenC.getHintBytes()).isPositive();
            });
            // W = 3 cannot be met once c is known DOWN: refused before anything is written
            await().atMost(Duration.ofSeconds(20)).until(() -> a.membership().member("c")
                    .map(m -> m.liveness() == Liveness.DOWN).orElse(false));
            Response refused = viaA.call(put(5000, "never", "x", 3));
            assertThat(refused.getError().getCode()).isEqualTo(ErrorCode.UNAVAILABLE);
            assertThat(viaA.call(get(5001, "never", 2)).getGet().getSiblingsCount()).isZero();
        }

        // c comes back with its data dir: the hints drain and its own replica catches up
        NodeAssembly c2 = TestNodes.start(cDir, settings("c", a));
        running.add(c2);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (NodeAssembly n : List.of(a, b)) {
                try (RawClient client = new RawClient(n.clientAddress())) {
                    ClusterInfo info = client.call(Requests.clusterInfo(1)).getClusterInfo();
                    assertThat(info.getMembersList()).allSatisfy(m ->
                            assertThat(m.getHintsPending()).as("hints on %s for %s", n.nodeId(), m.getNodeId())
                                    .isZero());
                }
            }
        });
        try (RawClient viaC = new RawClient(c2.clientAddress())) {
            for (int i = 0; i < KEYS; i++) {
                Response r = viaC.call(get(i, "k" + i, 1));
                assertThat(r.getGet().getSiblingsList()).as("k%d read with R=1 through c: %s", i, r).hasSize(1);
                assertThat(r.getGet().getSiblings(0).getValue()).isEqualTo(bytes("w" + i));
            }
        }
        List<MemberInfo> members = c2.membership().members();
        assertThat(members).extracting(MemberInfo::nodeId).containsExactly("a", "b", "c");
    }
}
