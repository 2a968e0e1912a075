package io.murmur.server;

import com.google.protobuf.ByteString;
import io.murmur.testing.RawClient;
import io.murmur.testing.TestNodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.murmur.testing.Requests.bytes;
import static io.murmur.testing.Requests.get;
import static io.murmur.testing.Requests.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Start, stop, restart: identity and acknowledged writes survive. */
class NodeLifecycleTest {
    @TempDir
    Path dir;

    @Test
    void aRestartedNodeKeepsEveryAcknowledgedWriteItsIdAndMovesToANewGeneration() throws Exception {
        String id;
        long generation;
        try (NodeAssembly node = TestNodes.start(dir);
             RawClient c = new RawClient(node.clientAddress())) {
            id = node.nodeId();
            generation = node.generation();
            assertThat(id).startsWith("node-");
            for (int i = 0; i < 200; i++) {
                assertThat(c.call(put(i, bytes("k" + i), bytes("v" + i), ByteString.EMPTY)).hasPut()).isTrue();
            }
        }
        try (NodeAssembly node = TestNodes.start(dir);
             RawClient c = new RawClient(node.clientAddress())) {
            assertThat(node.nodeId()).isEqualTo(id);
            assertThat(node.generation()).isGreaterThan(generation);
            for (int i = 0; i < 200; i++) {
                assertThat(c.call(get(i, bytes("k" + i))).getGet().getSiblings(0).getValue()).isEqualTo(bytes("v" + i));
            }
        }
    }

    @Test
    void clientAndReplicaConnectionsShareTheNodesNetworkLoopsWhichEndWithIt() throws Exception {
        List<Thread> before = threads("murmur-");
        List<Thread> mine;
        try (NodeAssembly node = TestNodes.start(dir, Map.of("network.io_threads", 2));
             RawClient c = new RawClient(node.clientAddress())) {
            assertThat(c.call(put(1, bytes("k"), bytes("v"), ByteString.EMPTY)).hasPut()).isTrue();
            mine = new ArrayList<>(threads("murmur-"));
            mine.removeAll(before);
            assertThat(mine).extracting(Thread::getName).filteredOn(n -> n.startsWith("murmur-io")).hasSize(2);
            assertThat(mine).extracting(Thread::getName)
                    .noneMatch(n -> n.startsWith("murmur-client-io") || n.startsWith("murmur-replica-"));
        }
        assertThat(mine).filteredOn(t -> t.getName().startsWith("murmur-io"))
                .as("closing the node ends its network loops").noneMatch(Thread::isAlive);
    }

    private static List<Thread> threads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .filter(t -> t.getName().startsWith(prefix)).toList();
    }

    @Test
    void aVnodeChangeOnARunningNodeMakesANewRingAndSurvivesARestartWhateverTheConfigSays() throws Exception {
        try (NodeAssembly node = TestNodes.start(dir, Map.of("node.vnodes", 64));
             RawClient c = new RawClient(node.clientAddress())) {
            var before = c.call(io.murmur.testing.Requests.clusterInfo(1)).getClusterInfo();
            assertThat(before.getMembers(0).getVnodes()).isEqualTo(64);
            assertThat(before.getMembers(0).getOwnership()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));

            var reply = c.call(io.murmur.proto.client.Request.newBuilder().setRequestId(2)
                    .setSetVnodes(io.murmur.proto.client.SetVnodes.newBuilder().setVnodes(16)).build());
            assertThat(reply.getSetVnodes().getPreviousVnodes()).isEqualTo(64);
            assertThat(reply.getSetVnodes().getVnodes()).isEqualTo(16);
            assertThat(reply.getSetVnodes().getRingEpoch()).isGreaterThan(before.getRingEpoch());
            assertThat(reply.getSetVnodes().getMovedFraction()).as("one node owns everything either way").isZero();

            var refused = c.call(io.murmur.proto.client.Request.newBuilder().setRequestId(3)
                    .setSetVnodes(io.murmur.proto.client.SetVnodes.newBuilder().setVnodes(0)).build());
            assertThat(refused.getError().getCode()).isEqualTo(io.murmur.proto.client.ErrorCode.INVALID_REQUEST);
            assertThat(c.call(io.murmur.testing.Requests.clusterInfo(4)).getClusterInfo().getMembers(0).getVnodes())
                    .isEqualTo(16);
        }
        try (NodeAssembly node = TestNodes.start(dir, Map.of("node.vnodes", 64));
             RawClient c = new RawClient(node.clientAddress())) {
            assertThat(c.call(io.murmur.testing.Requests.clusterInfo(1)).getClusterInfo().getMembers(0).getVnodes())
                    .as("the count kept with the data wins over the config").isEqualTo(16);
        }
    }

    @Test
    void aDataDirBelongsToOneNodeId() throws Exception {
        try (NodeAssembly node = TestNodes.start(dir, Map.of("node.id", "alpha"))) {
            assertThat(node.nodeId()).isEqualTo("alpha");
        }
        assertThatThrownBy(() -> TestNodes.start(dir, Map.of("node.id", "beta")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("belongs to node 'alpha'");
        try (NodeAssembly node = TestNodes.start(dir)) {
            assertThat(node.nodeId()).as("an empty node.id takes the stored one").isEqualTo("alpha");
        }
    }

    @Test
    void aSecondNodeOnTheSameDataDirIsRefusedWhileTheFirstRuns() throws Exception {
        try (NodeAssembly first = TestNodes.start(dir)) {
            assertThatThrownBy(() -> TestNodes.start(dir))
                    .isInstanceOf(io.murmur.runtime.StorageException.class)
                    .hasMessageContaining("is in use by another running process");
            try (RawClient c = new RawClient(first.clientAddress())) {
                assertThat(c.call(io.murmur.testing.Requests.ping(1)).hasPong()).isTrue();
            }
        }
    }

    @Test
    void sigtermStopsTheNodeProcessGracefullyAndItsWritesSurvive() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Dlogback.configurationFile=" + Path.of("..", "conf", "logback.xml"),
                "-cp", System.getProperty("java.class.path"),
                NodeMain.class.getName(),
                "--config", Path.of("..", "conf", "node.yaml").toString(),
                "--node-id", "sig", "--client-port", "0", "--peer-port", "0",
                "--data-dir", dir.toString(),
                "--set", "storage.block_cache_bytes=8388608", "--set", "storage.write_buffer_bytes=4194304"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            Pattern listening = Pattern.compile("listening for clients on [^:]+:(\\d+)");
            int port = -1;
            String line;
            StringBuilder seen = new StringBuilder();
            while (port < 0 && (line = out.readLine()) != null) {
                seen.append(line).append('\n');
                Matcher m = listening.matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                }
            }
            assertThat(port).as("node output:\n%s", seen).isPositive();
            try (RawClient c = new RawClient(new InetSocketAddress("127.0.0.1", port))) {
                for (int i = 0; i < 50; i++) {
                    assertThat(c.call(put(i, bytes("s" + i), bytes("v" + i), ByteString.EMPTY)).hasPut()).isTrue();
                }
            }
            p.toHandle().destroy(); // SIGTERM, keeping our end of its output open
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("node exits after SIGTERM").isTrue();
            StringBuilder rest = new StringBuilder();
            while ((line = out.readLine()) != null) {
                rest.append(line).append('\n');
            }
            assertThat(rest.toString()).contains("draining requests in flight").contains("stopped");
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        try (NodeAssembly node = TestNodes.start(dir);
             RawClient c = new RawClient(node.clientAddress())) {
            assertThat(node.nodeId()).isEqualTo("sig");
            for (int i = 0; i < 50; i++) {
                assertThat(c.call(get(i, bytes("s" + i))).getGet().getSiblings(0).getValue()).isEqualTo(bytes("v" + i));
            }
        }
    }
}
