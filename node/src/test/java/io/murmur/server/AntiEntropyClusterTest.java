package io.murmur.server;

import com.google.protobuf.ByteString;
import io.murmur.antientropy.MerkleTree;
import io.murmur.antientropy.TreeIndex;
import io.murmur.membership.Liveness;
import io.murmur.proto.client.AntiEntropyStats;
import io.murmur.proto.client.ClusterInfo;
import io.murmur.proto.client.ErrorCode;
import io.murmur.proto.client.Get;
import io.murmur.proto.client.Member;
import io.murmur.proto.client.Put;
import io.murmur.proto.client.RepairJob;
import io.murmur.proto.client.Request;
import io.murmur.proto.client.Response;
import io.murmur.ring.TokenRange;
import io.murmur.storage.ByteKey;
import io.murmur.testing.RawClient;
import io.murmur.testing.Requests;
import io.murmur.testing.TestNodes;
import io.murmur.version.VersionedRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static io.murmur.testing.Requests.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three real nodes on loopback (N = 3) where hints cannot help: each node keeps at most
 * 1 KiB of hints per replica (the least the config allows: nearly every hint is refused)
 * and drops those it kept after one second (replication.hint_window_seconds: 1), and the
 * test waits until none is left before the stopped node returns. So a node that was down
 * while keys were written has none of them when it comes back, and only anti-entropy can
 * give them to it: an on-demand repair (as {@code murmur repair} asks for it), or
 * scheduled repair alone.
 */
class AntiEntropyClusterTest {
    private static final int BATCH = 100;

    @TempDir
    Path dir;

    private final List<NodeAssembly> running = new ArrayList<>();

    @AfterEach
    void stopAll() {
        for (NodeAssembly n : running) {
            n.close();
        }
    }

    private NodeAssembly start(String id, NodeAssembly seed, Map<String, Object> extra) throws Exception {
        NodeAssembly node = TestNodes.start(dir.resolve(id), settings(id, seed, extra));
        running.add(node);
        return node;
    }

    private static Map<String, Object> settings(String id, NodeAssembly seed, Map<String, Object> extra) {
        Map<String, Object> values = new HashMap<>(TestNodes.member(id, seed));
        values.put("replication.timeout_millis", 1000);
        values.put("replication.max_hint_bytes_per_target", 1024);
        values.put("replication.hint_window_seconds", 1);
        // a repair merges the records it receives one at a time, each its own write: with
        // storage.sync: always that is an fsync per key, which would make the test time the disk
        values.put("storage.sync", "periodic");
        values.putAll(extra);
        return values;
    }

    private static void awaitAllAlive(List<NodeAssembly> nodes) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (NodeAssembly n : nodes) {
                assertThat(n.membership().members()).hasSize(nodes.size())
                        .allSatisfy(m -> assertThat(m.liveness()).isEqualTo(Liveness.ALIVE));
            }
        });
    }

    /** Sends the requests pipelined, a batch at a time, and returns the replies by request id. */
    private static Map<Long, Response> pipelined(RawClient client, List<Request> requests) throws Exception {
        Map<Long, Response> replies = new HashMap<>();
        for (int from = 0; from < requests.size(); from += BATCH) {
            List<Request> batch = requests.subList(from, Math.min(requests.size(), from + BATCH));
            for (Request r : batch) {
                client.send(r);
            }
            for (int i = 0; i < batch.size(); i++) {
                Response reply = client.read();
                replies.put(reply.getRequestId(), reply);
            }
        }
        return replies;
    }

    /** Writes k0..k(keys-1) = v0.. through {@code node} with W = 2. */
    private static void writeKeys(NodeAssembly node, int keys) throws Exception {
        List<Request> puts = new ArrayList<>();
        for (int i = 0; i < keys; i++) {
            puts.add(Request.newBuilder().setRequestId(i).setPut(Put.newBuilder().setKey(bytes("k" + i))
                    .setValue(bytes("v" + i)).setW(2)).build());
        }
        try (RawClient client = new RawClient(node.clientAddress())) {
            Map<Long, Response> replies = pipelined(client, puts);
            for (int i = 0; i < keys; i++) {
                assertThat(replies.get((long) i).hasPut()).as("put k%d: %s", i, replies.get((long) i)).isTrue();
            }
        }
    }

    /** Waits until neither survivor keeps a hint for {@code target}: what it missed, only repair brings. */
    private static void awaitNoHintsFor(String target, List<NodeAssembly> holders) {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            for (NodeAssembly n : holders) {
                try (RawClient client = new RawClient(n.clientAddress())) {
                    ClusterInfo info = client.call(Requests.clusterInfo(1)).getClusterInfo();
                    for (Member m : info.getMembersList()) {
                        if (m.getNodeId().equals(target)) {
                            assertThat(m.getHintsPending()).as("hints on %s for %s", n.nodeId(), target).isZero();
                        }
                    }
                }
            }
        });
    }

    private static Map<ByteKey, VersionedRecord> contents(NodeAssembly node) {
        Map<ByteKey, VersionedRecord> out = new HashMap<>();
        node.storage().scan(Long.MIN_VALUE, Long.MAX_VALUE, (token, key, record) -> {
            out.put(ByteKey.copyOf(key), record);
            return true;
        });
        return out;
    }

    /** Each tree's root by range, read on the node's anti-entropy thread. */
    private static Map<TokenRange, Long> roots(NodeAssembly node) throws Exception {
        return node.antiEntropy().call(() -> {
            TreeIndex trees = node.antiEntropy().core().trees();
            Map<TokenRange, Long> out = new TreeMap<>((x, y) -> Long.compare(x.end(), y.end()));
            for (TokenRange r : trees.ranges()) {
                MerkleTree t = trees.tree(r);
                out.put(r, t.isBuilt() ? t.root() : null);
            }
            return out;
        }).get(10, TimeUnit.SECONDS);
    }

    @Test
    void anOnDemandRepairGivesARestartedNodeEveryKeyItMissed() throws Exception {
        int keys = 10_000;
        Map<String, Object> onDemandOnly = Map.of("anti_entropy.interval_seconds", 0);
        Missed missed = cWasDownWhileKeysWereWritten(keys, onDemandOnly);
        NodeAssembly a = missed.a();
        NodeAssembly b = missed.b();
        NodeAssembly c2 = missed.c();
        assertThat(contents(c2)).as("c came back with none of the keys").isEmpty();

        RepairJob last;
        try (RawClient viaC = new RawClient(c2.clientAddress())) {
            Response started = viaC.call(Requests.repair(1));
            assertThat(started.hasRepair()).as("repair: %s", started).isTrue();
            assertThat(started.getRepair().getJob().getRunning()).isTrue();
            assertThat(started.getRepair().getJob().getSessionsTotal()).isPositive();
            Response again = viaC.call(Requests.repair(2));
            if (again.hasError()) { // unless the first already ended
                assertThat(again.getError().getCode()).isEqualTo(ErrorCode.RATE_LIMITED);
                assertThat(again.getError().getMessage()).contains("already running");
            }
            await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(200)).until(() ->
                    !viaC.call(Requests.repairStatus(3)).getRepairStatus().getJob().getRunning());
            Response status = viaC.call(Requests.repairStatus(4));
            last = status.getRepairStatus().getJob();
            AntiEntropyStats stats = status.getRepairStatus().getStats();
            assertThat(stats.getEnabled()).isTrue();
            assertThat(stats.getKeysReceived()).isGreaterThanOrEqualTo(keys);
            assertThat(stats.getTrees()).isPositive();
            assertThat(viaC.call(Requests.clusterInfo(5)).getClusterInfo().getAntiEntropy().getSessionsCompleted())
                    .isEqualTo(last.getSessionsTotal());
        }
        assertThat(last.getSessionsFailed()).as("failed sessions: %s", last.getLastSessionFailure()).isZero();
        assertThat(last.getSessionsDone()).isEqualTo(last.getSessionsTotal());
        assertThat(last.getFailure()).isEmpty();
        assertThat(last.getKeysReceived()).as("keys c received").isGreaterThanOrEqualTo(keys);
        assertThat(last.getRangesDiffering()).isPositive();
        assertThat(last.getBytes()).isPositive();

        // c's own replica now answers every key alone (R = 1 through c)
        List<Request> reads = new ArrayList<>();
        for (int i = 0; i < keys; i++) {
            reads.add(Request.newBuilder().setRequestId(i).setGet(Get.newBuilder().setKey(bytes("k" + i)).setR(1))
                    .build());
        }
        try (RawClient viaC = new RawClient(c2.clientAddress())) {
            Map<Long, Response> replies = pipelined(viaC, reads);
            for (int i = 0; i < keys; i++) {
                Response r = replies.get((long) i);
                assertThat(r.getGet().getSiblingsList()).as("k%d read with R=1 through c: %s", i, r).hasSize(1);
                assertThat(r.getGet().getSiblings(0).getValue()).isEqualTo(ByteString.copyFromUtf8("v" + i));
            }
        }
        // and holds exactly what its peers hold, so their trees agree range by range
        Map<ByteKey, VersionedRecord> onA = contents(a);
        assertThat(onA).hasSize(keys);
        assertThat(contents(b)).isEqualTo(onA);
        assertThat(contents(c2)).isEqualTo(onA);
        Map<TokenRange, Long> rootsOfA = roots(a);
        assertThat(rootsOfA).isNotEmpty().doesNotContainValue(null);
        assertThat(roots(b)).isEqualTo(rootsOfA);
        assertThat(roots(c2)).isEqualTo(rootsOfA);
    }

    @Test
    void scheduledRepairAloneBringsARestartedNodeUpToDate() throws Exception {
        int keys = 500;
        Map<String, Object> everySecond = Map.of("anti_entropy.interval_seconds", 1,
                "anti_entropy.request_timeout_ms", 2000);
        Missed missed = cWasDownWhileKeysWereWritten(keys, everySecond);
        NodeAssembly a = missed.a();
        NodeAssembly b = missed.b();
        NodeAssembly c2 = missed.c();
        Map<ByteKey, VersionedRecord> onA = contents(a);
        assertThat(onA).hasSize(keys);
        await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> assertThat(contents(c2)).isEqualTo(onA));
        assertThat(c2.antiEntropy().job()).as("no on-demand repair ran").isNull();
        long received = c2.antiEntropy().stats().keysReceived.get();
        long sentToC = a.antiEntropy().stats().keysSent.get() + b.antiEntropy().stats().keysSent.get();
        assertThat(received + sentToC).as("keys that reached c through sessions, either side's")
                .isGreaterThanOrEqualTo(keys);
    }

    /** Three nodes, and {@code c} restarted after {@code keys} were written while it was down, hints gone. */
    private record Missed(NodeAssembly a, NodeAssembly b, NodeAssembly c) {
    }

    private Missed cWasDownWhileKeysWereWritten(int keys, Map<String, Object> overrides) throws Exception {
        NodeAssembly a = start("a", null, overrides);
        NodeAssembly b = start("b", a, overrides);
        NodeAssembly c = start("c", a, overrides);
        awaitAllAlive(List.of(a, b, c));

        Path cDir = c.config().dataDir;
        c.close();
        running.remove(c);
        writeKeys(a, keys);
        awaitNoHintsFor("c", List.of(a, b));

        NodeAssembly c2 = TestNodes.start(cDir, settings("c", a, overrides));
        running.add(c2);
        return new Missed(a, b, c2);
    }
}
