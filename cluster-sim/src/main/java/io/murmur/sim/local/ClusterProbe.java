package io.murmur.sim.local;

import io.murmur.client.MurmurClient;
import io.murmur.proto.client.ClusterInfo;
import io.murmur.proto.client.Member;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Asks nodes of a local cluster what they see, through the Java client's {@code ClusterInfo}:
 * one client per node, not smart (the answer must come from that node), on one shared I/O
 * thread, all nodes asked at once with a short deadline so that a node that does not answer
 * (paused, still starting) costs one deadline, not one per node.
 */
final class ClusterProbe implements AutoCloseable {
    private final EventLoopGroup group;
    private final Map<String, MurmurClient> clients = new LinkedHashMap<>();
    private final Duration timeout;

    ClusterProbe(Duration timeout) {
        this.timeout = timeout;
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("local-probe", true),
                NioIoHandler.newFactory());
    }

    /** What one node answered, or why it did not. */
    record View(String nodeId, Optional<ClusterInfo> info, String error) {
        Optional<Member> member(String id) {
            return info.flatMap(i -> i.getMembersList().stream().filter(m -> m.getNodeId().equals(id)).findFirst());
        }

        long alive() {
            return info.map(i -> i.getMembersList().stream().filter(m -> m.getLiveness().equals("ALIVE")).count())
                    .orElse(0L);
        }
    }

    /** Asks every node in {@code nodes} (id to client address) at once. */
    Map<String, View> ask(Map<String, String> nodes) throws InterruptedException {
        Map<String, CompletableFuture<ClusterInfo>> pending = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : nodes.entrySet()) {
            pending.put(e.getKey(), client(e.getKey(), e.getValue()).clusterInfo());
        }
        Map<String, View> views = new LinkedHashMap<>();
        long deadline = System.nanoTime() + timeout.toNanos() + 500_000_000L;
        for (Map.Entry<String, CompletableFuture<ClusterInfo>> e : pending.entrySet()) {
            try {
                long left = Math.max(1, deadline - System.nanoTime());
                ClusterInfo info = e.getValue().get(left, TimeUnit.NANOSECONDS);
                views.put(e.getKey(), new View(e.getKey(), Optional.of(info), ""));
            } catch (ExecutionException ex) {
                Throwable cause = ex.getCause() == null ? ex : ex.getCause();
                views.put(e.getKey(), new View(e.getKey(), Optional.empty(), String.valueOf(cause.getMessage())));
            } catch (java.util.concurrent.TimeoutException ex) {
                e.getValue().cancel(true);
                views.put(e.getKey(), new View(e.getKey(), Optional.empty(), "no answer within " + timeout.toMillis()
                        + " ms"));
            }
        }
        return views;
    }

    private MurmurClient client(String id, String address) {
        return clients.computeIfAbsent(id + "@" + address, k -> MurmurClient.builder()
                .hosts(address)
                .smartRouting(false)
                .eventLoopGroup(group)
                .requestTimeout(timeout)
                .connectTimeout(timeout)
                .reconnectBackoff(Duration.ofMillis(100))
                .clientName("cluster-sim-local")
                .build());
    }

    /**
     * Why the cluster has not converged on {@code expected} (the nodes that should be up):
     * empty when every one of them answered, lists every one of them NORMAL and ALIVE, and
     * all report the same ring.
     */
    static List<String> problems(Collection<String> expected, Map<String, View> views) {
        List<String> problems = new ArrayList<>();
        Set<Long> rings = new HashSet<>();
        for (String id : expected) {
            View v = views.get(id);
            if (v == null || v.info().isEmpty()) {
                String why = v == null || v.error().isEmpty() ? "" : " (" + v.error() + ")";
                problems.add(id + " does not answer" + why);
                continue;
            }
            rings.add(v.info().get().getRingFingerprint());
            for (String other : expected) {
                Optional<Member> m = v.member(other);
                if (m.isEmpty()) {
                    problems.add(id + " does not know " + other);
                } else if (!m.get().getStatus().equals("NORMAL") || !m.get().getLiveness().equals("ALIVE")) {
                    problems.add(id + " sees " + other + " " + m.get().getStatus() + "/" + m.get().getLiveness());
                }
            }
        }
        if (rings.size() > 1) {
            problems.add("the nodes report " + rings.size() + " different rings");
        }
        return problems;
    }

    static String fingerprint(ClusterInfo info) {
        return String.format(Locale.ROOT, "%016x", info.getRingFingerprint());
    }

    @Override
    public void close() {
        clients.values().forEach(MurmurClient::close);
        clients.clear();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
