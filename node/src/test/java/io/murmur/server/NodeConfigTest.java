package io.murmur.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NodeConfigTest {
    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        Path file = dir.resolve("node.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private static Path shippedConfig() {
        Path p = Path.of("..", "conf", "node.yaml");
        return Files.exists(p) ? p : Path.of("conf", "node.yaml");
    }

    @Test
    void theShippedConfigFileLoadsAndStatesEveryDefaultTheCodeUses() throws Exception {
        NodeConfig fromFile = NodeConfig.load(shippedConfig(), List.of());
        NodeConfig defaults = NodeConfig.fromOverrides(Map.of());
        for (Field f : NodeConfig.class.getFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                assertThat(f.get(fromFile)).as("conf/node.yaml vs code default for %s", f.getName())
                        .isEqualTo(f.get(defaults));
            }
        }
    }

    @Test
    void defaultsAreSafe() {
        NodeConfig c = NodeConfig.fromOverrides(Map.of());
        assertThat(c.listenHost).isEqualTo("127.0.0.1");
        assertThat(c.advertiseHost).isEqualTo("127.0.0.1");
        assertThat(c.syncMode).isEqualTo(io.murmur.storage.SyncMode.ALWAYS);
        assertThat(c.maxKeyBytes).isEqualTo(64 * 1024);
        assertThat(c.maxValueBytes).isEqualTo(1 << 20);
        assertThat(c.maxFrameBytes).isEqualTo(64 * 1024 + (1 << 20) + NodeConfig.FRAME_OVERHEAD_BYTES);
    }

    @Test
    void anInvalidValueNamesTheFileTheKeyAndTheRule() throws Exception {
        Path file = write("limits:\n  max_value_bytes: 0\n");
        assertThatThrownBy(() -> NodeConfig.load(file, List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ": limits.max_value_bytes must be > 0");
    }

    @Test
    void quorumsLargerThanTheReplicationFactorAreRefused() throws Exception {
        Path file = write("replication:\n  n: 3\n  w: 4\n");
        assertThatThrownBy(() -> NodeConfig.load(file, List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ": replication.w must be at most replication.n (3): r=2, w=4");
        NodeConfig single = NodeConfig.fromOverrides(Map.of("replication.n", 1, "replication.r", 1,
                "replication.w", 1));
        assertThat(single.replication.n()).isEqualTo(1);
        assertThat(single.replication.readsMayBeStale()).isFalse();
        NodeConfig weak = NodeConfig.fromOverrides(Map.of("replication.r", 1, "replication.w", 1));
        assertThat(weak.replication.readsMayBeStale()).isTrue();
        assertThatThrownBy(() -> NodeConfig.fromOverrides(Map.of("replication.r", 0)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("replication.r");
    }

    @Test
    void aValueOfTheWrongTypeIsRefused() throws Exception {
        Path file = write("network:\n  client_port: lots\n");
        assertThatThrownBy(() -> NodeConfig.load(file, List.of()))
                .hasMessage(file + ": network.client_port must be a whole number, got 'lots'");
    }

    @Test
    void anUnknownKeyIsRefusedByName() throws Exception {
        Path file = write("limits:\n  max_valeu_bytes: 10\n");
        assertThatThrownBy(() -> NodeConfig.load(file, List.of()))
                .hasMessage(file + ": unknown key 'limits.max_valeu_bytes'");
    }

    @Test
    void aMissingFileAndBrokenYamlAreReported() throws Exception {
        assertThatThrownBy(() -> NodeConfig.load(dir.resolve("nope.yaml"), List.of()))
                .hasMessageEndingWith("nope.yaml: no such file");
        Path file = write("limits: [unclosed\n");
        assertThatThrownBy(() -> NodeConfig.load(file, List.of())).hasMessageStartingWith(file + ": not valid YAML");
    }

    @Test
    void overridesWinOverTheFileAndErrorsNameTheFlag() throws Exception {
        Path file = write("network:\n  client_port: 9000\n");
        NodeConfig c = NodeConfig.load(file, List.of(
                NodeConfig.Override.of("network.client_port", 9100, "--client-port"),
                NodeConfig.Override.parsed("storage.sync", "periodic", "--set storage.sync"),
                NodeConfig.Override.of("network.seeds", "10.0.0.1:7071,10.0.0.2:7071", "--seeds")));
        assertThat(c.clientPort).isEqualTo(9100);
        assertThat(c.syncMode).isEqualTo(io.murmur.storage.SyncMode.PERIODIC);
        assertThat(c.seeds).containsExactly("10.0.0.1:7071", "10.0.0.2:7071");

        assertThatThrownBy(() -> NodeConfig.load(file,
                List.of(NodeConfig.Override.parsed("limits.max_value_bytes", "-1", "--set limits.max_value_bytes"))))
                .hasMessage("--set limits.max_value_bytes: limits.max_value_bytes must be > 0");
        assertThatThrownBy(() -> NodeConfig.load(file,
                List.of(NodeConfig.Override.parsed("storage.sync", "sometimes", "--set storage.sync"))))
                .hasMessage("--set storage.sync: storage.sync must be 'always' or 'periodic', got 'sometimes'");
    }

    @Test
    void listeningOnTheWildcardRequiresAnAdvertisedAddress() {
        assertThatThrownBy(() -> NodeConfig.fromOverrides(Map.of("network.listen", "0.0.0.0")))
                .hasMessageContaining("network.advertise must be set");
        NodeConfig c = NodeConfig.fromOverrides(Map.of("network.listen", "0.0.0.0", "network.advertise", "10.1.2.3"));
        assertThat(c.advertiseHost).isEqualTo("10.1.2.3");
    }

    @Test
    void theFrameLimitMustFitTheLargestAllowedWrite() {
        assertThatThrownBy(() -> NodeConfig.fromOverrides(Map.of("limits.max_frame_bytes", 4096)))
                .hasMessageContaining("limits.max_frame_bytes must be >= limits.max_key_bytes + limits.max_value_bytes");
        NodeConfig c = NodeConfig.fromOverrides(Map.of("limits.max_value_bytes", 10_000_000));
        assertThat(c.maxFrameBytes).isGreaterThan(10_000_000);
    }

    @Test
    void theTransportIsAutoEpollOrNio() {
        assertThat(NodeConfig.fromOverrides(Map.of("network.transport", "nio")).transport).isEqualTo("nio");
        assertThatThrownBy(() -> NodeConfig.fromOverrides(Map.of("network.transport", "rdma")))
                .hasMessageContaining("network.transport must be auto, epoll or nio, got 'rdma'");
    }

    @Test
    void badSeedsAndBadNodeIdsAreRefused() {
        assertThatThrownBy(() -> NodeConfig.fromOverrides(Map.of("network.seeds", List.of("hostonly"))))
                .hasMessageContaining("network.seeds entries must be HOST:PORT, got 'hostonly'");
        assertThatThrownBy(() -> NodeConfig.fromOverrides(Map.of("node.id", "has space")))
                .hasMessageContaining("node.id must be 1-64 characters");
        assertThatThrownBy(() -> NodeConfig.fromOverrides(Map.of("network.client_port", 7000, "network.peer_port", 7000)))
                .hasMessageContaining("network.peer_port must differ");
    }

    @Test
    void antiEntropyKeysHaveTheirDefaultsAndRanges() throws Exception {
        NodeConfig c = NodeConfig.fromOverrides(Map.of());
        assertThat(c.antiEntropyEnabled).isTrue();
        assertThat(c.antiEntropy).isEqualTo(io.murmur.antientropy.AntiEntropySettings.DEFAULTS);

        NodeConfig set = NodeConfig.fromOverrides(Map.of("anti_entropy.enabled", false, "anti_entropy.tree_depth", 12,
                "anti_entropy.interval_seconds", 0, "anti_entropy.ranges_per_session", 8,
                "anti_entropy.bytes_per_second", 1 << 20, "anti_entropy.request_timeout_ms", 500,
                "anti_entropy.max_sessions_served", 4, "anti_entropy.clock_skew_ms", 0));
        assertThat(set.antiEntropyEnabled).isFalse();
        assertThat(set.antiEntropy.depth()).isEqualTo(12);
        assertThat(set.antiEntropy.intervalMillis()).isZero();
        assertThat(set.antiEntropy.rangesPerSession()).isEqualTo(8);
        assertThat(set.antiEntropy.bytesPerSecond()).isEqualTo(1 << 20);
        assertThat(set.antiEntropy.requestTimeoutMillis()).isEqualTo(500);
        assertThat(set.antiEntropy.maxSessionsServed()).isEqualTo(4);
        assertThat(set.antiEntropy.clockSkewMillis()).isZero();
        assertThat(NodeConfig.fromOverrides(Map.of("anti_entropy.interval_seconds", 30)).antiEntropy.intervalMillis())
                .isEqualTo(30_000);

        Path file = write("anti_entropy:\n  tree_depth: 21\n");
        assertThatThrownBy(() -> NodeConfig.load(file, List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ": anti_entropy.tree_depth must be <= 20");
        assertThatThrownBy(() -> NodeConfig.fromOverrides(Map.of("anti_entropy.tree_depth", 0)))
                .hasMessage("override: anti_entropy.tree_depth must be > 0");
        assertThatThrownBy(() -> NodeConfig.fromOverrides(Map.of("anti_entropy.interval_seconds", -1)))
                .hasMessage("override: anti_entropy.interval_seconds must be >= 0");
        assertThatThrownBy(() -> NodeConfig.fromOverrides(Map.of("anti_entropy.ranges_per_session", 0)))
                .hasMessage("override: anti_entropy.ranges_per_session must be > 0");
        assertThatThrownBy(() -> NodeConfig.fromOverrides(Map.of("anti_entropy.bytes_per_second", 100)))
                .hasMessage("override: anti_entropy.bytes_per_second must be >= 1024");
        assertThatThrownBy(() -> NodeConfig.fromOverrides(Map.of("anti_entropy.request_timeout_ms", 0)))
                .hasMessage("override: anti_entropy.request_timeout_ms must be > 0");
        assertThatThrownBy(() -> NodeConfig.fromOverrides(Map.of("anti_entropy.max_sessions_served", 0)))
                .hasMessage("override: anti_entropy.max_sessions_served must be > 0");
        assertThatThrownBy(() -> NodeConfig.fromOverrides(Map.of("anti_entropy.clock_skew_ms", -5)))
                .hasMessage("override: anti_entropy.clock_skew_ms must be >= 0");
        assertThatThrownBy(() -> NodeConfig.fromOverrides(Map.of("anti_entropy.enabled", "yes")))
                .hasMessage("override: anti_entropy.enabled must be true or false, got 'yes'");
        assertThatThrownBy(() -> NodeConfig.fromOverrides(Map.of("anti_entropy.interval", 5)))
                .hasMessage("override: unknown key 'anti_entropy.interval'");
    }
}
