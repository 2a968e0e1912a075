package io.murmur.server;

import io.murmur.membership.Liveness;
import io.murmur.membership.MemberInfo;
import io.murmur.membership.Membership;
import io.murmur.membership.MembershipView;
import io.murmur.proto.peer.GossipMessage;
import io.murmur.proto.peer.MemberState;
import io.murmur.proto.peer.MemberStatus;
import io.murmur.proto.peer.ReplicaMessage;
import io.murmur.replication.Topology;
import io.murmur.ring.Ring;
import io.murmur.ring.RingSnapshot;
import io.murmur.runtime.Clock;
import io.murmur.runtime.PeerNetwork;
import io.murmur.runtime.Scheduler;
import io.murmur.transport.NetworkLoops;
import io.murmur.transport.PeerTransport;
import io.murmur.transport.ReplicaTraffic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The membership core on a real node: the peer transport on the peer port, and the core
 * running on that transport's own event loop — its timers and every message it handles —
 * so gossip never waits behind client requests, replica traffic or disk work.
 *
 * <p>Other threads never touch the core directly: they read the published {@link Ring},
 * or hand work to the gossip thread through {@link #call}.
 */
final class GossipService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GossipService.class);

    private final PeerTransport transport;
    private final ScheduledExecutorService loop;
    private final Membership membership;
    private final Ring ring = new Ring();
    /** Peers' addresses and who is DOWN, as membership last said; replaced whole, read without locks. */
    private volatile Peers peers = new Peers(Map.of(), Set.of(), false);
    private volatile ScheduledFuture<?> peersRefresh;
    private final CompletableFuture<Void> left = new CompletableFuture<>();
    private volatile ScheduledFuture<?> loadReport;

    private GossipService(NodeConfig config, String nodeId, long generation, int vnodes, int clientPort,
                          boolean rejoining, List<MemberState> remembered, Consumer<List<MemberState>> keep) {
        Membership[] core = new Membership[1];
        PeerNetwork.Handler<GossipMessage> handler = (from, message) -> {
            Membership m = core[0];
            if (m != null) {
                m.onMessage(from, message);
            }
        };
        this.transport = PeerTransport.start(PeerTransport.Settings
                .builder(config.listenHost, config.peerPort, config.clusterName, nodeId, generation)
                .transport(config.transport)
                .maxFrameBytes(config.maxPeerFrameBytes)
                .build(), handler);
        this.loop = transport.protocolLoop();
        String peerAddress = config.advertiseHost + ":" + transport.localAddress().getPort();
        Membership.Identity identity = new Membership.Identity(nodeId, config.advertiseHost + ":" + clientPort,
                peerAddress, config.rack, vnodes, config.weight, generation, rejoining);
        Scheduler scheduler = (task, delay, unit) -> {
            try {
                ScheduledFuture<?> f = loop.schedule(task, delay, unit);
                return () -> f.cancel(false);
            } catch (RejectedExecutionException e) {
                return () -> false; // shutting down
            }
        };
        this.membership = new Membership(config.membership, identity, config.seeds, Clock.SYSTEM,
                scheduler, transport, new SplittableRandom(new SecureRandom().nextLong()), new Membership.Listener() {
                    @Override
                    public void ringChanged(RingSnapshot snapshot) {
                        ring.update(previous -> snapshot);
                        publishPeers();
                        keep.accept(membership.ringStates());
                    }

                    @Override
                    public void livenessChanged(String node, Liveness liveness) {
                        log.debug("{} is now {}", node, liveness);
                        publishPeers();
                    }
                });
        core[0] = membership;
        try {
            loop.submit(() -> {
                membership.remember(remembered);
                ring.update(previous -> membership.ring());
                membership.start();
                publishPeers();
            }).get();
            // addresses change without a verdict (a member restarted on another port): refresh now and then too
            peersRefresh = loop.scheduleWithFixedDelay(this::publishPeers, 100, 250, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            transport.close();
            throw new IllegalStateException("interrupted while starting gossip", e);
        } catch (ExecutionException e) {
            transport.close();
            throw new IllegalStateException("gossip did not start: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /**
     * @param rejoining  the node was a member before this start (its data dir has a generation)
     * @param remembered the other ring members as the node last knew them
     * @param keep       told the ring members whenever the ring changes, on the gossip thread: it
     *                   must hand any disk work to another thread
     */
    static GossipService start(NodeConfig config, String nodeId, long generation, int vnodes, int clientPort,
                               boolean rejoining, List<MemberState> remembered, Consumer<List<MemberState>> keep) {
        return new GossipService(config, nodeId, generation, vnodes, clientPort, rejoining, remembered, keep);
    }

    /** Peer addresses by node id, and the nodes held DOWN. */
    private record Peers(Map<String, String> addresses, Set<String> down, boolean settled) {
    }

    /** Rebuilds {@link #peers} from the core; on the gossip thread. */
    private void publishPeers() {
        Membership m = membership;
        if (m == null) {
            return;
        }
        Map<String, String> addresses = new HashMap<>();
        Set<String> down = new HashSet<>();
        for (MemberInfo info : m.view().members()) {
            if (info.status() == MemberStatus.LEFT) {
                continue; // gone for good: nothing is sent to it
            }
            addresses.put(info.nodeId(), info.peerAddress());
            if (info.liveness() == Liveness.DOWN) {
                down.add(info.nodeId());
            }
        }
        peers = new Peers(Map.copyOf(addresses), Set.copyOf(down), m.settled());
    }

    /** The cluster as replication sees it: the published ring, and who is live where; never blocks. */
    Topology topology() {
        return new Topology() {
            @Override
            public RingSnapshot ring() {
                return ring.current();
            }

            @Override
            public boolean isLive(String nodeId) {
                Peers p = peers;
                return p.addresses().containsKey(nodeId) && !p.down().contains(nodeId);
            }

            @Override
            public boolean ready() {
                return peers.settled();
            }

            @Override
            public String addressOf(String nodeId) {
                return peers.addresses().get(nodeId);
            }
        };
    }

    /** The ring as membership last published it; never blocks. */
    RingSnapshot ring() {
        return ring.current();
    }

    /**
     * Opens replica traffic on this node's peer port: received messages reach
     * {@code handler} on {@code executor}. Closed with this service.
     */
    ReplicaTraffic openReplicaTraffic(ReplicaTraffic.Settings settings, PeerNetwork.Handler<ReplicaMessage> handler,
                                      Executor executor, NetworkLoops loops) {
        return transport.openReplicaTraffic(settings, handler, executor, loops);
    }

    InetSocketAddress peerAddress() {
        return transport.localAddress();
    }

    /** Runs {@code work} on the gossip thread and completes with its result. */
    <T> CompletableFuture<T> call(Function<Membership, T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            loop.execute(() -> {
                try {
                    result.complete(work.apply(membership));
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new IllegalStateException("the node is stopping"));
        }
        return result;
    }

    CompletableFuture<MembershipView> view() {
        return call(Membership::view);
    }

    /**
     * Announces LEAVING, then LEFT; the returned future completes when LEFT has been
     * announced and had a round to spread. Calling it again returns the same future.
     */
    synchronized CompletableFuture<Void> leave() {
        call(m -> {
            // completed off the gossip thread: whoever waits for it may stop this service
            m.leave(() -> CompletableFuture.runAsync(() -> left.complete(null)));
            return null;
        });
        return left;
    }

    /**
     * Announces this node's load every {@code periodMillis}: the figures are read on
     * {@code diskWork} (never on the gossip thread) and handed to the core.
     */
    void reportLoad(long periodMillis, Executor diskWork, LongSupplier bytes, LongSupplier keys) {
        loadReport = loop.scheduleWithFixedDelay(() -> {
            try {
                diskWork.execute(() -> {
                    try {
                        long b = bytes.getAsLong();
                        long k = keys.getAsLong();
                        call(m -> {
                            m.setLoad(b, k);
                            return null;
                        });
                    } catch (RuntimeException e) {
                        log.debug("could not read this node's load: {}", e.toString());
                    }
                });
            } catch (RejectedExecutionException e) {
                // stopping
            }
        }, 0, periodMillis, TimeUnit.MILLISECONDS);
    }

    /** Completes when this node has left the cluster. */
    CompletableFuture<Void> whenLeft() {
        return left;
    }

    /** Leaves, waiting at most {@code timeoutMillis}. */
    void leaveAndWait(long timeoutMillis) {
        try {
            leave().get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("could not finish leaving the cluster within {} ms: {}", timeoutMillis, e.toString());
        }
    }

    PeerTransport.Counters counters() {
        return transport.counters();
    }

    /** Stops gossiping (peers will mark this node DOWN unless it left) and closes the peer port. */
    @Override
    public void close() {
        ScheduledFuture<?> report = loadReport;
        if (report != null) {
            report.cancel(false);
        }
        ScheduledFuture<?> refresh = peersRefresh;
        if (refresh != null) {
            refresh.cancel(false);
        }
        try {
            call(m -> {
                m.stop();
                return null;
            }).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.debug("gossip did not stop cleanly: {}", e.toString());
        }
        transport.close();
    }
}
