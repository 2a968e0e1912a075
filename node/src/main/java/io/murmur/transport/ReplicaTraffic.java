package io.murmur.transport;

import io.murmur.proto.peer.PeerFrame;
import io.murmur.proto.peer.ReplicaMessage;
import io.murmur.proto.peer.TrafficClass;
import io.murmur.runtime.PeerNetwork;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The replica traffic class of the peer protocol: writes, reads, repairs and hints between
 * the replicas of a key, on the same peer port as gossip but never in gossip's way. Opened
 * on a running {@link PeerTransport} with {@link PeerTransport#openReplicaTraffic}, and
 * closed when the transport closes.
 *
 * <p>Design note. Replica traffic is heavy (frames of up to megabytes, as fast as clients write) and
 * gossip decides who is alive, so the two share nothing but the listening socket:
 * <ul>
 * <li>Replica connections do all their I/O on the class's own event-loop group
 *     ({@code ioThreads}, default 2, threads named {@code murmur-replica-…}), or, opened on a
 *     node's {@link NetworkLoops}, on the loops its client connections use. Outbound
 *     connections are opened there. Inbound ones are accepted on the peer port like any
 *     peer connection, on the gossip loop, which reads their hello; a hello naming replica
 *     traffic then moves the channel to a replica loop (Netty's deregister, then register
 *     on the other loop; see {@link PeerInboundHandler}) before any replica frame is parsed.
 *     Moving a channel between loops needs care, so the handler stops reading first, only
 *     holds (does not parse) frames that came with the hello, and resumes reading on the new
 *     loop once it is registered there; Netty defers the deregistration until the current
 *     handler call has returned, and (since 4.2.0.Final) forgets the old loop in every handler
 *     context, so no handler runs on both loops. The tests move connections under both
 *     epoll and NIO, with data arriving during the move.
 *     The alternatives were worse: a second port (the protocol promises one peer port,
 *     and every node's configuration and firewall would need another); reading replica
 *     connections on the gossip loop and only handing their frames on (a flood of data
 *     would then be read and framed on gossip's thread); or accepting every connection on
 *     the replica loops and moving gossip ones instead (gossip would then wait for its
 *     hello behind a busy replica loop). The cost is one move per replica connection, which
 *     lives as long as the peer is written to.</li>
 * <li>Each class has its own connections, one per peer address and direction, each
 *     opened with the class's hello; a replica connection carries only replica frames and a
 *     gossip connection only gossip frames (anything else closes it, with a warn line).</li>
 * <li>Each class has its own limits, counters, queues and delivery bound, sized for what it
 *     carries (see {@link Settings}).</li>
 * </ul>
 *
 * <p>Sending ({@link #send}) never blocks or throws for a lost peer. Frames wait in a
 * per-peer queue bounded in messages and bytes; one task on the peer's replica loop writes
 * all that waits and then flushes once. A connection over its write-buffer high-water mark
 * (the peer reads slowly) keeps the rest queued until it drains, rather than dropping data
 * it could send a moment later; only a full queue, a failed connect, a backing-off peer or
 * a closed transport drops, and every drop is counted. Received messages go to the handler
 * as tasks on the executor given at open, bounded in pending bytes (see {@link PeerDelivery});
 * the executor may run them on many threads and in any order.
 */
public final class ReplicaTraffic implements PeerNetwork<ReplicaMessage> {
    private static final Logger log = LoggerFactory.getLogger(ReplicaTraffic.class);

    /**
     * Settings of replica traffic. {@link #builder} gives every limit its default; the
     * record's constructor rejects values that make no sense. The listening socket, cluster
     * name, node identity, transport kind (epoll or NIO), hello timeout and the limit of
     * connections waiting for their hello are the {@link PeerTransport}'s.
     *
     * @param ioThreads                 replica event-loop threads; default 2, one per core of a small node
     * @param maxFrameBytes             largest replica frame read or written; default 16 MiB, room for a
     *                                  record of several 1 MiB siblings with their clocks
     * @param maxQueuedMessagesPerPeer  messages waiting per peer address; default 8192, room for a burst
     *                                  of small writes to one replica while its connection opens or drains
     * @param maxQueuedBytesPerPeer     frame bytes waiting per peer address; default 64 MiB, at least
     *                                  one largest frame
     * @param writeBufferHighWaterBytes bytes written but not yet taken by the socket, per connection,
     *                                  beyond which frames wait in the queue; default 8 MiB
     * @param maxInboundConnections     replica connections accepted and open at once, beyond which a
     *                                  new one is closed after its hello; default 4096, one per peer
     *                                  is normal
     * @param maxPendingDeliveryBytes   received frame bytes waiting for the handler's executor, beyond
     *                                  which messages are dropped; default 256 MiB
     * @param connectTimeoutMillis      default 2000: peers answer in milliseconds, a lost one never
     * @param reconnectDelayMinMillis   first delay after a failed connect; default 100, doubling…
     * @param reconnectDelayMaxMillis   …up to this; default 5000
     * @param idleCloseMillis           an outbound connection not used for this long is closed;
     *                                  default 60000
     */
    public record Settings(int ioThreads, int maxFrameBytes, int maxQueuedMessagesPerPeer,
                           long maxQueuedBytesPerPeer, int writeBufferHighWaterBytes, int maxInboundConnections,
                           long maxPendingDeliveryBytes, int connectTimeoutMillis, long reconnectDelayMinMillis,
                           long reconnectDelayMaxMillis, long idleCloseMillis) {
        public Settings {
            require(ioThreads >= 1, "ioThreads must be at least 1: %d", ioThreads);
            require(maxFrameBytes >= 64, "maxFrameBytes must be at least 64: %d", maxFrameBytes);
            require(maxQueuedMessagesPerPeer >= 1, "maxQueuedMessagesPerPeer must be at least 1: %d",
                    maxQueuedMessagesPerPeer);
            require(maxQueuedBytesPerPeer >= maxFrameBytes + 4L,
                    "maxQueuedBytesPerPeer must hold at least one frame: %d", maxQueuedBytesPerPeer);
            require(writeBufferHighWaterBytes >= 2, "writeBufferHighWaterBytes must be at least 2: %d",
                    writeBufferHighWaterBytes);
            require(maxInboundConnections >= 1, "maxInboundConnections must be at least 1: %d",
                    maxInboundConnections);
            require(maxPendingDeliveryBytes >= maxFrameBytes + 4L,
                    "maxPendingDeliveryBytes must hold at least one frame: %d", maxPendingDeliveryBytes);
            require(connectTimeoutMillis >= 1, "connectTimeoutMillis must be positive: %d", connectTimeoutMillis);
            require(reconnectDelayMinMillis >= 1, "reconnectDelayMinMillis must be positive: %d",
                    reconnectDelayMinMillis);
            require(reconnectDelayMaxMillis >= reconnectDelayMinMillis,
                    "reconnectDelayMaxMillis must be at least reconnectDelayMinMillis: %d", reconnectDelayMaxMillis);
            require(idleCloseMillis >= 1, "idleCloseMillis must be positive: %d", idleCloseMillis);
        }

        private static void require(boolean condition, String format, Object... args) {
            if (!condition) {
                throw new IllegalArgumentException("replica traffic: " + String.format(format, args));
            }
        }

        /** Settings with every limit at its default. */
        public static Builder builder() {
            return new Builder();
        }

        /** The defaults. */
        public static Settings defaults() {
            return builder().build();
        }
    }

    /** Builds {@link Settings}, starting from the defaults documented there. */
    public static final class Builder {
        private int ioThreads = 2;
        private int maxFrameBytes = 16 << 20;
        private int maxQueuedMessagesPerPeer = 8192;
        private long maxQueuedBytesPerPeer = 64L << 20;
        private int writeBufferHighWaterBytes = 8 << 20;
        private int maxInboundConnections = 4096;
        private long maxPendingDeliveryBytes = 256L << 20;
        private int connectTimeoutMillis = 2_000;
        private long reconnectDelayMinMillis = 100;
        private long reconnectDelayMaxMillis = 5_000;
        private long idleCloseMillis = 60_000;

        private Builder() {
        }

        public Builder ioThreads(int value) {
            ioThreads = value;
            return this;
        }

        public Builder maxFrameBytes(int value) {
            maxFrameBytes = value;
            return this;
        }

        public Builder maxQueuedMessagesPerPeer(int value) {
            maxQueuedMessagesPerPeer = value;
            return this;
        }

        public Builder maxQueuedBytesPerPeer(long value) {
            maxQueuedBytesPerPeer = value;
            return this;
        }

        public Builder writeBufferHighWaterBytes(int value) {
            writeBufferHighWaterBytes = value;
            return this;
        }

        public Builder maxInboundConnections(int value) {
            maxInboundConnections = value;
            return this;
        }

        public Builder maxPendingDeliveryBytes(long value) {
            maxPendingDeliveryBytes = value;
            return this;
        }

        public Builder connectTimeoutMillis(int value) {
            connectTimeoutMillis = value;
            return this;
        }

        public Builder reconnectDelayMillis(long min, long max) {
            reconnectDelayMinMillis = min;
            reconnectDelayMaxMillis = max;
            return this;
        }

        public Builder idleCloseMillis(long value) {
            idleCloseMillis = value;
            return this;
        }

        public Settings build() {
            return new Settings(ioThreads, maxFrameBytes, maxQueuedMessagesPerPeer, maxQueuedBytesPerPeer,
                    writeBufferHighWaterBytes, maxInboundConnections, maxPendingDeliveryBytes, connectTimeoutMillis,
                    reconnectDelayMinMillis, reconnectDelayMaxMillis, idleCloseMillis);
        }
    }

    private final Settings settings;
    private final EventLoopGroup group;
    private final TransportThreads threads;
    /** Whether closing ends {@link #group} (false when it is a node's shared {@link NetworkLoops}). */
    private final boolean ownsGroup;
    private final PeerCounters counters = new PeerCounters();
    private final PeerDelivery<ReplicaMessage> delivery;
    private final ChannelGroup channels;
    private final OutboundTraffic outbound;
    private final InboundClass inbound;
    private final AtomicInteger inboundOpen = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();

    private ReplicaTraffic(Settings settings, PeerTransport.Settings transport, EventLoops loops,
                           EventLoopGroup group, TransportThreads threads, boolean ownsGroup,
                           PeerNetwork.Handler<ReplicaMessage> handler, Executor deliveryExecutor) {
        this.settings = settings;
        this.group = group;
        this.threads = threads;
        this.ownsGroup = ownsGroup;
        this.delivery = new PeerDelivery<>("replica", handler, deliveryExecutor, settings.maxPendingDeliveryBytes(),
                counters);
        this.channels = new DefaultChannelGroup("replica-channels", group.next());
        PeerFrame hello = PeerTransport.hello(transport, TrafficClass.REPLICA);
        this.outbound = new OutboundTraffic("replica", new OutboundTraffic.Limits(settings.maxFrameBytes(),
                settings.maxQueuedMessagesPerPeer(), settings.maxQueuedBytesPerPeer(),
                settings.writeBufferHighWaterBytes(), settings.connectTimeoutMillis(),
                settings.reconnectDelayMinMillis(), settings.reconnectDelayMaxMillis(), settings.idleCloseMillis(),
                true), loops, group, hello, counters, channels);
        this.inbound = InboundClass.moving("replica", PeerFrame.KindCase.REPLICA,
                settings.maxFrameBytes(), counters,
                (from, frame, frameBytes) -> delivery.deliver(from, frame.getReplica(), frameBytes),
                group, channels, inboundOpen, settings.maxInboundConnections(), closed::get);
    }

    /** Starts the replica event loops; for {@link PeerTransport#openReplicaTraffic}. */
    static ReplicaTraffic open(Settings settings, PeerTransport.Settings transport, EventLoops loops,
                               PeerNetwork.Handler<ReplicaMessage> handler, Executor deliveryExecutor) {
        TransportThreads threads = new TransportThreads("murmur-replica");
        EventLoopGroup group = loops.newGroup(settings.ioThreads(), threads);
        try {
            return new ReplicaTraffic(settings, transport, loops, group, threads, true, handler, deliveryExecutor);
        } catch (Throwable e) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
            threads.join(TimeUnit.SECONDS.toMillis(5));
            throw e;
        }
    }

    /**
     * Opens replica traffic on {@code shared} ({@link Settings#ioThreads} unused), which it
     * leaves running when it closes; for {@link PeerTransport#openReplicaTraffic}.
     */
    static ReplicaTraffic open(Settings settings, PeerTransport.Settings transport, NetworkLoops shared,
                               PeerNetwork.Handler<ReplicaMessage> handler, Executor deliveryExecutor) {
        return new ReplicaTraffic(settings, transport, shared.loops(), shared.group(), shared.threads(), false,
                handler, deliveryExecutor);
    }

    /**
     * Sends {@code message} to the peer at {@code to}, a {@code host:port} address on its
     * peer port. Never blocks and never throws for a lost peer or an unusable address:
     * whatever cannot be sent is dropped and counted in
     * {@link PeerTransport.Counters#messagesDropped()}.
     */
    @Override
    public void send(String to, ReplicaMessage message) {
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(message, "message");
        if (closed.get()) {
            counters.messagesDropped.increment();
            return;
        }
        outbound.send(to, PeerFrame.newBuilder().setReplica(message).build());
    }

    public Settings settings() {
        return settings;
    }

    /**
     * A snapshot of the replica counters. {@code connectionsRefused} counts replica
     * connections closed after their hello because {@code maxInboundConnections} were open;
     * {@code bytesReceived} counts what replica connections read after their hello (what came
     * in the same read as the hello counts for the gossip transport).
     */
    public PeerTransport.Counters counters() {
        return counters.snapshot();
    }

    /** Accepted replica connections (hello read, moved to the replica loops) open now. */
    public int openInboundConnections() {
        return inboundOpen.get();
    }

    /** Outbound replica connections established (hello sent) and open now. */
    public int openOutboundConnections() {
        return outbound.openConnections();
    }

    // ---- for PeerTransport

    InboundClass inbound() {
        return inbound;
    }

    boolean ownsThread(Thread thread) {
        return threads.owns(thread);
    }

    void stopDelivery() {
        closed.set(true);
        delivery.stop();
    }

    /** Closes every replica connection and ends the replica threads, waiting for them. */
    void close() {
        closed.set(true);
        delivery.stop();
        outbound.close();
        channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        if (ownsGroup) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
            if (!threads.join(TimeUnit.SECONDS.toMillis(5))) {
                log.warn("replica transport threads still running after close");
            }
        }
        outbound.clear();
    }
}
