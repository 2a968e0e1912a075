package io.murmur.server;

import com.google.protobuf.ByteString;
import io.murmur.membership.Liveness;
import io.murmur.membership.MemberInfo;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Head-of-line blocking: a node whose only request thread is buried under a backlog of
 * fsynced writes keeps answering gossip on time, because gossip has its own thread and
 * connections. Eight pipelined connections keep about a thousand writes queued, over two
 * seconds of work for the one request thread; were heartbeats queued behind them, the
 * peer would suspect the node within about a second with these settings.
 */
class GossipUnderLoadTest {
    @TempDir
    Path dir;

    private final List<NodeAssembly> running = new ArrayList<>();

    @AfterEach
    void stopAll() {
        running.forEach(NodeAssembly::close);
    }

    private NodeAssembly start(String id, String seed) throws Exception {
        Map<String, Object> extra = new HashMap<>();
        extra.put("node.id", id);
        extra.put("node.vnodes", 8);
        extra.put("server.request_threads", 1);
        extra.put("storage.sync", "always");
        extra.put("membership.interval_millis", 250);
        extra.put("membership.acceptable_pause_millis", 500);
        extra.put("membership.suspicion_timeout_millis", 500);
        if (seed != null) {
            extra.put("network.seeds", List.of(seed));
        }
        NodeAssembly node = TestNodes.start(dir.resolve(id), extra);
        running.add(node);
        return node;
    }

    @Test
    void aNodeBuriedInWritesIsNeverSuspectedByItsPeer() throws Exception {
        NodeAssembly busy = start("busy", null);
        NodeAssembly watcher = start("watcher",
                busy.peerAddress().getHostString() + ":" + busy.peerAddress().getPort());
        await().atMost(Duration.ofSeconds(20)).until(() -> watcher.membership().member("busy")
                .map(m -> m.liveness() == Liveness.ALIVE && m.heartbeat() > 0).orElse(false));

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong answered = new AtomicLong();
        List<Thread> flood = new ArrayList<>();
        ByteString value = ByteString.copyFrom(new byte[64 * 1024]);
        for (int c = 0; c < 8; c++) {
            int connection = c;
            RawClient client = new RawClient(busy.clientAddress());
            Thread reader = new Thread(() -> {
                try (client) {
                    while (true) {
                        Response r = client.read();
                        if (r.hasPut()) {
                            answered.incrementAndGet();
                        }
                    }
                } catch (Exception e) {
                    // closed at the end
                }
            }, "flood-reader-" + c);
            Thread writer = new Thread(() -> {
                try {
                    for (long id = 1; !stop.get(); id++) {
                        client.send(Requests.put(id, Requests.bytes("k" + connection + "-" + id), value,
                                ByteString.EMPTY));
                    }
                } catch (Exception e) {
                    // closed at the end
                }
            }, "flood-writer-" + c);
            flood.add(reader);
            flood.add(writer);
            reader.start();
            writer.start();
        }

        List<Liveness> seen = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(6).toNanos();
        while (System.nanoTime() < deadline) {
            MemberInfo busyAsSeen = watcher.membership().member("busy").orElseThrow();
            seen.add(busyAsSeen.liveness());
            Thread.sleep(50);
        }
        long heartbeatAtEnd = watcher.membership().member("busy").orElseThrow().heartbeat();
        stop.set(true);
        busy.close();
        running.remove(busy);
        for (Thread t : flood) {
            t.join(10_000);
        }

        assertThat(answered.get()).as("writes answered during the flood").isGreaterThan(10);
        assertThat(seen).as("the busy node as its peer saw it, every 50 ms").isNotEmpty()
                .containsOnly(Liveness.ALIVE);
        assertThat(heartbeatAtEnd).as("heartbeats kept coming").isGreaterThan(10);
    }
}
