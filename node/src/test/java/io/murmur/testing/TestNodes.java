package io.murmur.testing;

import io.murmur.server.NodeAssembly;
import io.murmur.server.NodeConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Starts real nodes on an ephemeral loopback port with their data in a temp dir. */
public final class TestNodes {
    private TestNodes() {
    }

    public static NodeConfig config(Path dataDir, Map<String, Object> extra) {
        Map<String, Object> values = new HashMap<>();
        values.put("network.listen", "127.0.0.1");
        values.put("network.client_port", 0);
        values.put("network.peer_port", 0);
        values.put("network.io_threads", 1);
        values.put("server.request_threads", 4);
        values.put("storage.data_dir", dataDir.toString());
        values.put("storage.cache_bytes", 1 << 20);
        values.put("storage.block_cache_bytes", 8 << 20);
        values.put("storage.write_buffer_bytes", 4 << 20);
        values.put("server.shutdown_drain_millis", 5_000);
        values.putAll(extra);
        return NodeConfig.fromOverrides(values);
    }

    /**
     * Settings for a member of a test cluster named {@code id}, joining through {@code seed}
     * (null for the first): quicker gossip rounds than the defaults, with the same margins
     * against a busy machine, and 16 vnodes.
     */
    public static Map<String, Object> member(String id, NodeAssembly seed) {
        Map<String, Object> values = new HashMap<>();
        values.put("node.id", id);
        values.put("node.vnodes", 16);
        values.put("membership.interval_millis", 250);
        values.put("membership.acceptable_pause_millis", 1000);
        values.put("membership.suspicion_timeout_millis", 1000);
        if (seed != null) {
            values.put("network.seeds", java.util.List.of(peerAddress(seed)));
        }
        return values;
    }

    /** Where peers reach {@code node}, as {@code host:port}. */
    public static String peerAddress(NodeAssembly node) {
        return node.peerAddress().getHostString() + ":" + node.peerAddress().getPort();
    }

    public static NodeAssembly start(Path dataDir) throws IOException, InterruptedException {
        return NodeAssembly.start(config(dataDir, Map.of()));
    }

    public static NodeAssembly start(Path dataDir, Map<String, Object> extra) throws IOException, InterruptedException {
        return NodeAssembly.start(config(dataDir, extra));
    }
}
