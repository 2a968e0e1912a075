package io.murmur.server;

import io.murmur.antientropy.TrackedStorage;
import io.murmur.antientropy.TreeIndex;
import io.murmur.proto.peer.ReplicaMessage;
import io.murmur.replication.Topology;
import io.murmur.runtime.Storage;
import io.murmur.runtime.StorageException;
import io.murmur.storage.CachingStorage;
import io.murmur.storage.RocksDbHintStore;
import io.murmur.storage.RocksDbStorage;
import io.murmur.storage.StorageOptions;
import com.google.protobuf.InvalidProtocolBufferException;
import io.murmur.proto.client.ErrorCode;
import io.murmur.proto.peer.MemberState;
import io.murmur.proto.peer.MembersPage;
import io.murmur.transport.ClientListener;
import io.murmur.transport.NetworkLoops;
import io.murmur.transport.ReplicaTraffic;
import io.murmur.transport.Errors;
import io.murmur.transport.Reply;
import io.murmur.transport.RequestDispatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The composition root of a real node: opens storage, settles the node's identity, wires
 * the coordinator to the client listener, and takes it all down again in order.
 *
 * <p>Nothing else in the node builds components or holds them statically; tests start as
 * many nodes in one JVM as they like, each from its own {@link NodeConfig}.
 */
public final class NodeAssembly implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeAssembly.class);
    static final String META_NODE_ID = "node_id";
    static final String META_GENERATION = "generation";
    /** The other ring members as this node last knew them (a MembersPage). */
    static final String META_MEMBERS = "members";
    /** How often this node re-reads its data size and key estimate for gossip. */
    static final long LOAD_REPORT_MILLIS = 10_000;

    private final NodeConfig config;
    private final RocksDbStorage rocks;
    private final Storage storage;
    private final ThreadPoolExecutor requestExecutor;
    /** The event loops client and replica connections share. */
    private final NetworkLoops network;
    private final ClientListener listener;
    private final LocalRing ring;
    private final GossipService gossip;
    private final ReplicationService replication;
    /** Null when anti_entropy.enabled is false. */
    private final AntiEntropyService antiEntropy;
    /** The member list waiting to be written to meta (see {@link #keepMembers}). */
    private final AtomicReference<byte[]> latestMembers = new AtomicReference<>();
    private final String nodeId;
    private final long generation;
    private boolean closed;

    private NodeAssembly(NodeConfig config, RocksDbStorage rocks, String nodeId, long generation, boolean rejoining)
            throws InterruptedException {
        this.config = config;
        this.rocks = rocks;
        this.nodeId = nodeId;
        this.generation = generation;
        Storage cached = config.cacheBytes > 0 ? new CachingStorage(rocks, config.cacheBytes) : rocks;
        // every write, whoever makes it (client writes, read repair, hints, purges, repair
        // itself), goes through the outermost store, which keeps the Merkle trees current
        this.storage = config.antiEntropyEnabled
                ? new TrackedStorage(cached, new TreeIndex(config.antiEntropy.depth())) : cached;
        this.requestExecutor = new ThreadPoolExecutor(config.requestThreads, config.requestThreads,
                0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), daemonThreads("murmur-request"));
        // Clients learn the bound port from ClusterInfo, and it is known only after binding
        // (port 0 asks for an ephemeral one), so the listener starts with a dispatcher that
        // answers UNAVAILABLE until the real one is in place.
        AtomicReference<RequestDispatcher> dispatcher = new AtomicReference<>();
        RequestDispatcher startingUp = request -> {
            RequestDispatcher d = dispatcher.get();
            return d != null ? d.dispatch(request) : CompletableFuture.completedFuture(Reply.of(Errors.error(
                    request.getRequestId(), ErrorCode.UNAVAILABLE, "node is starting")));
        };
        this.network = NetworkLoops.start(config.transport, config.ioThreads);
        ClientListener started = null;
        try {
            started = ClientListener.start(new ClientListener.Settings(config.listenHost, config.clientPort,
                            config.maxFrameBytes, config.maxInFlightPerConnection, config.maxConnections,
                            config.writeBufferHighWaterBytes),
                    network, startingUp);
        } finally {
            if (started == null) {
                network.close();
                requestExecutor.shutdownNow();
            }
        }
        this.listener = started;
        GossipService gossiping = null;
        try {
            gossiping = GossipService.start(config, nodeId, generation, LocalRing.settleVnodes(config, rocks),
                    listener.localAddress().getPort(), rejoining, rememberedMembers(rocks),
                    states -> keepMembers(rocks, states));
        } finally {
            if (gossiping == null) {
                listener.close();
                network.close();
                requestExecutor.shutdownNow();
            }
        }
        this.gossip = gossiping;
        this.ring = new LocalRing(nodeId, rocks, gossip);
        String peerAddress = config.advertiseHost + ":" + gossip.peerAddress().getPort();
        // replica messages reach the cores on the network threads; what touches storage
        // moves on to the request threads (see ReplicationService.onMessage), and repair
        // messages to the anti-entropy thread (see AntiEntropyService.onMessage)
        AtomicReference<ReplicationService> core = new AtomicReference<>();
        AtomicReference<AntiEntropyService> repairCore = new AtomicReference<>();
        ReplicaTraffic.Settings replicaSettings = ReplicaTraffic.Settings.builder()
                .maxFrameBytes(Math.max(16 << 20, 4 * config.maxFrameBytes)).build();
        ReplicaTraffic replicaTraffic = gossip.openReplicaTraffic(replicaSettings,
                (from, message) -> {
                    if (message.getBodyCase() == ReplicaMessage.BodyCase.REPAIR) {
                        AntiEntropyService ae = repairCore.get();
                        if (ae != null) {
                            ae.onMessage(message);
                        }
                        return; // anti-entropy off here: the peer's session times out
                    }
                    ReplicationService r = core.get();
                    if (r != null) {
                        r.onMessage(from, message);
                    }
                }, Runnable::run, network);
        Topology topology = gossip.topology();
        this.replication = new ReplicationService(nodeId, peerAddress, config.replication, storage,
                new RocksDbHintStore(rocks), requestExecutor, replicaSettings.maxPendingDeliveryBytes(),
                replicaTraffic, topology);
        if (storage instanceof TrackedStorage tracked) {
            // before any message reaches replication: its tombstones wait for repair coverage
            this.antiEntropy = new AntiEntropyService(nodeId, peerAddress, config.antiEntropy,
                    config.replication.n(), tracked, replication.replication().tombstones(), replicaTraffic,
                    topology, replicaSettings.maxPendingDeliveryBytes());
            repairCore.set(antiEntropy);
            antiEntropy.start();
        } else {
            this.antiEntropy = null;
            log.info("node {}: anti-entropy is off (anti_entropy.enabled: false); tombstones are purged on "
                    + "replication.tombstone_grace_seconds alone", nodeId);
        }
        core.set(replication);
        gossip.reportLoad(LOAD_REPORT_MILLIS, requestExecutor, rocks::approximateDataBytes, rocks::approximateKeyCount);
        ClientRequests requests = new ClientRequests(
                new ClientRequests.Identity(config.clusterName, nodeId, config.advertiseHost,
                        listener.localAddress().getPort(), gossip.peerAddress().getPort(), config.rack),
                ring, gossip, replication.replication(), antiEntropy, requestExecutor, config.maxKeyBytes,
                config.maxValueBytes);
        dispatcher.set(requests);
    }

    /**
     * Opens the data dir and starts serving. Fails with {@link ConfigException} when the
     * data dir belongs to another node id, {@link StorageException} when it cannot be
     * opened.
     */
    public static NodeAssembly start(NodeConfig config) throws IOException, InterruptedException {
        Files.createDirectories(config.dataDir);
        RocksDbStorage rocks = RocksDbStorage.open(config.dataDir, new StorageOptions(config.syncMode,
                config.syncIntervalMillis, config.blockCacheBytes, config.writeBufferBytes,
                config.storageBackgroundJobs));
        try {
            String nodeId = settleNodeId(config, rocks);
            boolean rejoining = rocks.getMeta(META_GENERATION).isPresent();
            long generation = nextGeneration(rocks);
            NodeAssembly node = new NodeAssembly(config, rocks, nodeId, generation, rejoining);
            node.awaitSettled(5 * config.membership.interval().toMillis());
            log.info("node {} (cluster {}, generation {}) serving clients on {} over {}; data in {}",
                    nodeId, config.clusterName, generation, config.advertiseHost + ":" + node.clientAddress().getPort(),
                    node.listener.transportName(),
                    config.dataDir.toAbsolutePath());
            return node;
        } catch (RuntimeException | InterruptedException e) {
            rocks.close();
            throw e;
        }
    }

    /**
     * Waits until membership knows the whole ring (see {@link io.murmur.membership.Membership#settled}),
     * at most {@code timeoutMillis}: until then this node refuses to coordinate requests.
     */
    private void awaitSettled(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!replication.isReady()) {
            if (System.nanoTime() > deadline) {
                log.warn("node {} does not know the whole ring yet (no seed or peer has answered); it refuses "
                        + "to coordinate requests until one does", nodeId);
                return;
            }
            Thread.sleep(20);
        }
    }

    /** The ring members this node knew when it last ran, from the meta family. */
    private static List<MemberState> rememberedMembers(RocksDbStorage rocks) {
        Optional<byte[]> stored = rocks.getMeta(META_MEMBERS);
        if (stored.isEmpty()) {
            return List.of();
        }
        try {
            return MembersPage.parseFrom(stored.get()).getStatesList();
        } catch (InvalidProtocolBufferException e) {
            log.warn("the remembered member list in the data dir cannot be read ({}); joining through the seeds",
                    e.getMessage());
            return List.of();
        }
    }

    /**
     * Keeps the ring members for the next start. The write runs off the gossip thread, and
     * writes are serialised so that the latest list is the one kept whatever the order in
     * which request threads pick the tasks up.
     */
    private void keepMembers(RocksDbStorage rocks, List<MemberState> states) {
        latestMembers.set(MembersPage.newBuilder().addAllStates(states).build().toByteArray());
        try {
            requestExecutor.execute(() -> {
                synchronized (latestMembers) {
                    byte[] bytes = latestMembers.getAndSet(null);
                    if (bytes == null) {
                        return; // a later task already wrote the latest list
                    }
                    try {
                        rocks.putMeta(META_MEMBERS, bytes);
                    } catch (StorageException e) {
                        log.warn("could not keep the member list in the data dir: {}", e.getMessage());
                    }
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // stopping
        }
    }

    private static String settleNodeId(NodeConfig config, RocksDbStorage rocks) {
        Optional<String> stored = rocks.getMeta(META_NODE_ID).map(b -> new String(b, StandardCharsets.UTF_8));
        if (stored.isPresent()) {
            if (!config.nodeId.isEmpty() && !config.nodeId.equals(stored.get())) {
                throw new ConfigException("node.id is '" + config.nodeId + "' but data dir "
                        + config.dataDir.toAbsolutePath() + " belongs to node '" + stored.get()
                        + "'; use that id or another data dir");
            }
            return stored.get();
        }
        String id = config.nodeId.isEmpty() ? newNodeId() : config.nodeId;
        rocks.putMeta(META_NODE_ID, id.getBytes(StandardCharsets.UTF_8));
        return id;
    }

    private static String newNodeId() {
        byte[] b = new byte[4];
        new SecureRandom().nextBytes(b);
        return "node-" + HexFormat.of().formatHex(b);
    }

    /** A new generation at every start: past the stored one and not behind the wall clock. */
    private static long nextGeneration(RocksDbStorage rocks) {
        long previous = rocks.getMeta(META_GENERATION).map(b -> ByteBuffer.wrap(b).getLong()).orElse(0L);
        long generation = Math.max(previous + 1, System.currentTimeMillis() / 1000);
        rocks.putMeta(META_GENERATION, ByteBuffer.allocate(8).putLong(generation).array());
        return generation;
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    public String nodeId() {
        return nodeId;
    }

    public long generation() {
        return generation;
    }

    public NodeConfig config() {
        return config;
    }

    /** Where clients reach this node (the bound port, the advertised host). */
    public InetSocketAddress clientAddress() {
        return InetSocketAddress.createUnresolved(config.advertiseHost, listener.localAddress().getPort());
    }

    public String transportName() {
        return listener.transportName();
    }

    /** Where peers reach this node (the bound peer port, the advertised host). */
    public InetSocketAddress peerAddress() {
        return InetSocketAddress.createUnresolved(config.advertiseHost, gossip.peerAddress().getPort());
    }

    /** Completes when this node has left the cluster (after {@code murmur leave}); then it should stop. */
    public CompletableFuture<Void> whenLeft() {
        return gossip.whenLeft();
    }

    /** Announces LEAVING, then LEFT; completes when LEFT has had a round to spread. */
    public CompletableFuture<Void> leave() {
        return gossip.leave();
    }

    /** The store every write goes through, for tests in this package. */
    Storage storage() {
        return storage;
    }

    /** Anti-entropy on this node, for tests in this package; null when it is off. */
    AntiEntropyService antiEntropy() {
        return antiEntropy;
    }

    /** Membership as this node sees it now. */
    public io.murmur.membership.MembershipView membership() {
        return gossip.view().join();
    }

    /**
     * Graceful stop: stop accepting, answer every request already read (up to
     * {@code server.shutdown_drain_millis}), close connections, then close storage so the
     * WAL is synced and RocksDB shuts down cleanly.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (config.leaveOnShutdown && !gossip.whenLeft().isDone()) {
            log.info("node {} leaving the cluster before it stops", nodeId);
            gossip.leaveAndWait(5 * config.membership.interval().toMillis());
        }
        log.info("node {} stopping: no new connections, draining requests in flight", nodeId);
        listener.stopAccepting();
        try {
            listener.drain(Duration.ofMillis(config.shutdownDrainMillis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        listener.close();
        if (antiEntropy != null) {
            antiEntropy.close();
        }
        replication.close();
        gossip.close();
        network.close(); // after the listener and the replica traffic that ran on it
        requestExecutor.shutdown();
        try {
            if (!requestExecutor.awaitTermination(config.shutdownDrainMillis, TimeUnit.MILLISECONDS)) {
                requestExecutor.shutdownNow();
            }
        } catch (InterruptedException e) {
            requestExecutor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        storage.close();
        log.info("node {} stopped", nodeId);
    }
}
