package io.murmur.server;

import io.murmur.membership.Liveness;
import io.murmur.membership.MemberInfo;
import io.murmur.membership.MembershipView;
import io.murmur.proto.peer.MemberStatus;
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
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three real nodes on loopback find each other through one seed, notice a crash, welcome
 * the crashed node back with a new generation, and see a node leave.
 */
class ClusterMembershipTest {
    @TempDir
    Path dir;

    private final List<NodeAssembly> running = new ArrayList<>();

    @AfterEach
    void stopAll() {
        for (NodeAssembly n : running) {
            n.close();
        }
    }

    /** Quicker rounds than the defaults, with the same margins against a busy machine. */
    private NodeAssembly start(String id, String seed) throws Exception {
        return start(id, seed, Map.of());
    }

    private NodeAssembly start(String id, String seed, Map<String, Object> more) throws Exception {
        Map<String, Object> extra = new HashMap<>(TestNodes.member(id, null));
        extra.putAll(more);
        if (seed != null) {
            extra.put("network.seeds", List.of(seed));
        }
        NodeAssembly node = TestNodes.start(dir.resolve(id), extra);
        running.add(node);
        return node;
    }

    private static String peer(NodeAssembly n) {
        return n.peerAddress().getHostString() + ":" + n.peerAddress().getPort();
    }

    private static Optional<MemberInfo> seen(NodeAssembly observer, String id) {
        return observer.membership().member(id);
    }

    @Test
    void nodesJoinThroughASeedDetectACrashWelcomeARestartAndSeeALeave() throws Exception {
        NodeAssembly a = start("a", null);
        NodeAssembly b = start("b", peer(a));
        NodeAssembly c = start("c", peer(a));
        List<NodeAssembly> all = List.of(a, b, c);

        // everyone knows everyone as NORMAL and ALIVE, and they agree on the ring
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            long fingerprint = a.membership().ringFingerprint();
            for (NodeAssembly n : all) {
                MembershipView view = n.membership();
                assertThat(view.members()).extracting(MemberInfo::nodeId).containsExactly("a", "b", "c");
                assertThat(view.members()).allSatisfy(m -> {
                    assertThat(m.status()).isEqualTo(MemberStatus.NORMAL);
                    assertThat(m.liveness()).isEqualTo(Liveness.ALIVE);
                });
                assertThat(view.ringFingerprint()).isEqualTo(fingerprint);
            }
        });
        long firstGeneration = seen(a, "c").orElseThrow().generation();

        // c stops without a word: the others mark it DOWN, but keep it in the ring
        c.close();
        running.remove(c);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            for (NodeAssembly n : List.of(a, b)) {
                assertThat(seen(n, "c")).get().extracting(MemberInfo::liveness).isEqualTo(Liveness.DOWN);
                assertThat(n.membership().member("a").orElseThrow().liveness()).isEqualTo(Liveness.ALIVE);
            }
        });

        // c comes back on the same data dir with a new generation and is ALIVE again
        NodeAssembly c2 = start("c", peer(a));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            for (NodeAssembly n : List.of(a, b)) {
                MemberInfo info = seen(n, "c").orElseThrow();
                assertThat(info.liveness()).isEqualTo(Liveness.ALIVE);
                assertThat(info.generation()).isGreaterThan(firstGeneration);
            }
        });

        // b leaves: the others list it as LEFT and drop it from their ring
        b.leave().get();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            for (NodeAssembly n : List.of(a, c2)) {
                assertThat(seen(n, "b")).get().extracting(MemberInfo::status).isEqualTo(MemberStatus.LEFT);
            }
            assertThat(a.membership().ringFingerprint()).isEqualTo(c2.membership().ringFingerprint());
        });
        assertThat(a.membership().ringFingerprint()).isNotEqualTo(0L);
    }

    @Test
    void withLeaveOnShutdownAStoppingNodeLeavesInsteadOfGoingDown() throws Exception {
        NodeAssembly a = start("a", null);
        NodeAssembly b = start("b", peer(a), Map.of("membership.leave_on_shutdown", true));
        await().atMost(Duration.ofSeconds(20)).until(() -> seen(a, "b")
                .map(m -> m.status() == MemberStatus.NORMAL && m.liveness() == Liveness.ALIVE).orElse(false));

        b.close(); // what SIGTERM does
        running.remove(b);
        MemberInfo left = seen(a, "b").orElseThrow();
        assertThat(left.status()).isEqualTo(MemberStatus.LEFT);
        // and nobody condemns it afterwards
        Thread.sleep(3_000);
        assertThat(seen(a, "b").orElseThrow().liveness()).isNotEqualTo(Liveness.DOWN);
    }
}
