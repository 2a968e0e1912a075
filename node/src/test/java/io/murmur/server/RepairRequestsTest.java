package io.murmur.server;

import io.murmur.antientropy.TrackedStorage;
import io.murmur.proto.client.AntiEntropyStats;
import io.murmur.proto.client.ErrorCode;
import io.murmur.proto.client.Repair;
import io.murmur.proto.client.RepairJob;
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
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Repair and RepairStatus against one real node: what it answers with anti-entropy on and off. */
class RepairRequestsTest {
    @TempDir
    Path dir;
    NodeAssembly node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    private static RepairJob awaitDone(RawClient client) {
        await().atMost(Duration.ofSeconds(10)).until(() ->
                !client.call(Requests.repairStatus(90)).getRepairStatus().getJob().getRunning());
        try {
            return client.call(Requests.repairStatus(91)).getRepairStatus().getJob();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aNodeAloneHasNoPeerToRepairWithAndSaysSo() throws Exception {
        node = TestNodes.start(dir, Map.of("node.id", "solo", "node.vnodes", 8));
        assertThat(node.storage()).isInstanceOf(TrackedStorage.class);
        try (RawClient client = new RawClient(node.clientAddress())) {
            // the trees are built on the anti-entropy thread after start, not before it
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    client.call(Requests.clusterInfo(1)).getClusterInfo().getAntiEntropy().getTrees() == 8);
            AntiEntropyStats stats = client.call(Requests.clusterInfo(2)).getClusterInfo().getAntiEntropy();
            assertThat(stats.getEnabled()).isTrue();
            assertThat(stats.getTreeRebuilds()).isEqualTo(1);

            Response none = client.call(Requests.repairStatus(3));
            assertThat(none.getRepairStatus().hasJob()).as("no repair yet").isFalse();
            assertThat(none.getRepairStatus().getStats().getTrees()).isEqualTo(8);

            Response started = client.call(Requests.repair(4));
            assertThat(started.getRepair().getJob().getRanges()).isEqualTo(8);
            assertThat(started.getRepair().getJob().getSessionsTotal()).isZero();
            RepairJob done = awaitDone(client);
            assertThat(done.getSessionsDone()).isZero();
            assertThat(done.getFailure()).isEmpty();
            assertThat(done.getLastSessionFailure()).isEmpty();

            // a token range picks the node's ranges overlapping it: the one holding token 0 here
            Response some = client.call(Request.newBuilder().setRequestId(5)
                    .setRepair(Repair.newBuilder().setHasRange(true).setStart(-1).setEnd(0)).build());
            assertThat(some.getRepair().getJob().getRanges()).as("%s", some).isEqualTo(1);
            awaitDone(client);
        }
    }

    @Test
    void withAntiEntropyOffRepairIsRefusedAndTheStatusSaysSo() throws Exception {
        node = TestNodes.start(dir, Map.of("node.id", "plain", "anti_entropy.enabled", false));
        assertThat(node.storage()).isNotInstanceOf(TrackedStorage.class);
        assertThat(node.antiEntropy()).isNull();
        try (RawClient client = new RawClient(node.clientAddress())) {
            Response refused = client.call(Requests.repair(1));
            assertThat(refused.getError().getCode()).isEqualTo(ErrorCode.INVALID_REQUEST);
            assertThat(refused.getError().getMessage()).contains("anti_entropy.enabled: false");
            assertThat(refused.getError().getConnectionClosing()).isFalse();

            Response status = client.call(Requests.repairStatus(2));
            assertThat(status.getRepairStatus().hasJob()).isFalse();
            assertThat(status.getRepairStatus().getStats().getEnabled()).isFalse();
            assertThat(client.call(Requests.clusterInfo(3)).getClusterInfo().getAntiEntropy())
                    .isEqualTo(AntiEntropyStats.newBuilder().setEnabled(false).build());
        }
    }
}
