package io.murmur.transport;

import io.murmur.proto.peer.GossipMessage;
import io.murmur.proto.peer.PeerFrame;
import io.murmur.proto.peer.PeerHello;
import io.murmur.proto.peer.ReplicaMessage;
import io.murmur.proto.peer.TrafficClass;
import io.murmur.runtime.PeerNetwork;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The peer port on Netty: the gossip traffic class, and the listening socket that every
 * traffic class shares. Sends gossip messages to peers by address; with
 * {@link #openReplicaTraffic} it also carries replica traffic (see {@link ReplicaTraffic}).
 *
 * <p>Design note. Gossip decides who is alive, so it must never wait behind anything
 * else: the transport has its own event-loop group ({@code ioThreads}, default one thread
 * named {@code murmur-gossip-…}), shared with neither the client port, nor replica traffic,
 * nor disk work, and its own connections, separate from any other traffic class.
 * Connections are one-way, as the peer protocol says: {@link #send} writes on a connection
 * this node opened to the peer's address (one per address, opened lazily, starting with
 * this node's {@link PeerHello}), and connections the node accepts are only read (see
 * {@link PeerInboundHandler}). Sending is best effort and never blocks or throws for a
 * lost peer: what cannot be sent soon is dropped and counted (see {@link OutboundPeer}),
 * since gossip is periodic and idempotent and the next round says it again. Received
 * messages go to the handler on the executor given at start, by default this transport's
 * own event loop ({@link #protocolLoop()}); it must run tasks one at a time, in order.
 *
 * <p>The peer port has one listening socket for every traffic class; a connection's hello
 * says which class it carries. Connections are accepted on the gossip loop, which reads
 * their hello: a gossip connection stays there, a replica connection moves to the replica
 * event loops (see {@link ReplicaTraffic} for why), and a hello naming a class this node
 * does not take — replica traffic before it is opened — closes the connection.
 *
 * <p>Frames are a 4-byte big-endian length, then a {@link PeerFrame}; a length over
 * {@code maxFrameBytes} closes the connection before any of the frame is buffered, and a
 * message too big to send is dropped before it is written. Until its hello has named
 * another class, every connection is held to this transport's {@code maxFrameBytes}.
 *
 * <p>Peer addresses are {@code host:port}. A host name is resolved by the JVM's resolver
 * on the event loop when a connection opens; use IP literals, or names the resolver
 * answers at once, so a slow DNS server never stalls gossip.
 */
public final class PeerTransport implements PeerNetwork<GossipMessage>, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PeerTransport.class);

    /** The peer protocol version this node speaks and accepts. */
    public static final int PROTOCOL_VERSION = 1;

    /**
     * Settings of the gossip transport. {@link #builder} gives every limit its default; the
     * record's constructor rejects values that make no sense.
     *
     * @param host                      address to listen on for peers
     * @param port                      peer port; 0 picks a free one (see {@link PeerTransport#localAddress()})
     * @param cluster                   cluster name sent in the hello; connections with another are refused
     * @param nodeId                    this node's id, sent in the hello
     * @param generation                this node's generation, sent in the hello
     * @param transport                 {@code auto}, {@code epoll} or {@code nio} (see {@link EventLoops#choose})
     * @param ioThreads                 gossip event-loop threads; default 1, plenty for gossip's few messages a second
     * @param maxFrameBytes             largest frame read or written; default 1 MiB, far above a bounded
     *                                  gossip message, small enough that a hostile length costs nothing
     * @param maxQueuedMessagesPerPeer  messages waiting per peer address, mostly while connecting;
     *                                  default 256, a core sends a handful per peer per round
     * @param writeBufferHighWaterBytes bytes written but not yet taken by the socket, per connection,
     *                                  beyond which messages are dropped; default 1 MiB
     * @param maxInboundConnections     accepted connections open at once (gossip ones, and any whose
     *                                  hello has not come yet), beyond which new ones are closed at once;
     *                                  default 4096, one per gossiping peer is normal. Replica connections
     *                                  count against the replica traffic's own limit once their hello came
     * @param maxPendingDeliveryBytes   received frame bytes waiting for the handler's executor, beyond
     *                                  which messages are dropped; default 16 MiB
     * @param connectTimeoutMillis      default 2000: peers answer in milliseconds, a lost one never
     * @param reconnectDelayMinMillis   first delay after a failed connect; default 100, doubling…
     * @param reconnectDelayMaxMillis   …up to this; default 5000, a few gossip rounds
     * @param idleCloseMillis           an outbound connection not used for this long is closed;
     *                                  default 60000, many rounds without choosing that peer
     * @param helloTimeoutMillis        an accepted connection (of any traffic class) must send its hello
     *                                  within this; default 5000, so silent connections cannot hold the
     *                                  inbound slots
     */
    public record Settings(String host, int port, String cluster, String nodeId, long generation,
                           String transport, int ioThreads, int maxFrameBytes, int maxQueuedMessagesPerPeer,
                           int writeBufferHighWaterBytes, int maxInboundConnections, long maxPendingDeliveryBytes,
                           int connectTimeoutMillis, long reconnectDelayMinMillis, long reconnectDelayMaxMillis,
                           long idleCloseMillis, long helloTimeoutMillis) {
        public Settings {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(cluster, "cluster");
            Objects.requireNonNull(nodeId, "nodeId");
            Objects.requireNonNull(transport, "transport");
            require(port >= 0 && port <= 65_535, "port must be in 0..65535: %d", port);
            require(!cluster.isEmpty(), "cluster must not be empty");
            require(!nodeId.isEmpty(), "nodeId must not be empty");
            require(ioThreads >= 1, "ioThreads must be at least 1: %d", ioThreads);
            require(maxFrameBytes >= 64, "maxFrameBytes must be at least 64: %d", maxFrameBytes);
            require(maxQueuedMessagesPerPeer >= 1, "maxQueuedMessagesPerPeer must be at least 1: %d",
                    maxQueuedMessagesPerPeer);
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
            require(helloTimeoutMillis >= 1, "helloTimeoutMillis must be positive: %d", helloTimeoutMillis);
        }

        private static void require(boolean condition, String format, Object... args) {
            if (!condition) {
                throw new IllegalArgumentException("peer transport: " + String.format(format, args));
            }
        }

        /** Settings with every limit at its default. */
        public static Builder builder(String host, int port, String cluster, String nodeId, long generation) {
            return new Builder(host, port, cluster, nodeId, generation);
        }
    }

    /** Builds {@link Settings}, starting from the defaults documented there. */
    public static final class Builder {
        private final String host;
        private final int port;
        private final String cluster;
        private final String nodeId;
        private final long generation;
        private String transport = "auto";
        private int ioThreads = 1;
        private int maxFrameBytes = 1 << 20;
        private int maxQueuedMessagesPerPeer = 256;
        private int writeBufferHighWaterBytes = 1 << 20;
        private int maxInboundConnections = 4096;
        private long maxPendingDeliveryBytes = 16L << 20;
        private int connectTimeoutMillis = 2_000;
        private long reconnectDelayMinMillis = 100;
        private long reconnectDelayMaxMillis = 5_000;
        private long idleCloseMillis = 60_000;
        private long helloTimeoutMillis = 5_000;

        private Builder(String host, int port, String cluster, String nodeId, long generation) {
            this.host = host;
            this.port = port;
            this.cluster = cluster;
            this.nodeId = nodeId;
            this.generation = generation;
        }

        public Builder transport(String value) {
            transport = value;
            return this;
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

        public Builder helloTimeoutMillis(long value) {
            helloTimeoutMillis = value;
            return this;
        }

        public Settings build() {
            return new Settings(host, port, cluster, nodeId, generation, transport, ioThreads, maxFrameBytes,
                    maxQueuedMessagesPerPeer, writeBufferHighWaterBytes, maxInboundConnections,
                    maxPendingDeliveryBytes, connectTimeoutMillis, reconnectDelayMinMillis,
                    reconnectDelayMaxMillis, idleCloseMillis, helloTimeoutMillis);
        }
    }

    /**
     * What one traffic class has done since it started: the gossip transport's from
     * {@link PeerTransport#counters()}, replica traffic's from {@link ReplicaTraffic#counters()}.
     *
     * @param messagesSent        messages written to a socket
     * @param messagesDropped     messages given to {@code send} and never written: queue full,
     *                            connection over its high-water mark (gossip), connect failed or
     *                            backing off, write failed, too large, unusable address, or the
     *                            transport closed
     * @param bytesSent           frame bytes written, hellos included
     * @param connectFailures     outbound connects that failed
     * @param messagesReceived    messages read from accepted connections
     * @param deliveriesDropped   received messages not handed to the handler because its executor
     *                            was too far behind (or refused them)
     * @param bytesReceived       bytes read from accepted connections, whatever they were
     * @param connectionsRejected accepted connections closed for breaking the protocol (before their
     *                            hello named a class: counted by the gossip transport)
     * @param connectionsRefused  connections closed at once because too many were open
     */
    public record Counters(long messagesSent, long messagesDropped, long bytesSent, long connectFailures,
                           long messagesReceived, long deliveriesDropped, long bytesReceived,
                           long connectionsRejected, long connectionsRefused) {
    }

    private final Settings settings;
    private final EventLoops loops;
    private final EventLoopGroup group;
    private final TransportThreads threads;
    private final EventLoop protocolLoop;
    private final PeerCounters counters = new PeerCounters();
    private final PeerDelivery<GossipMessage> delivery;
    private final ChannelGroup channels;
    private final OutboundTraffic outbound;
    private final InboundClass gossipInbound;
    private final AtomicInteger inboundOpen = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Channel serverChannel;
    /** The replica traffic class, once opened; guarded by {@code this} for writes. */
    private volatile ReplicaTraffic replica;
    /** Refusing inbound connections over the limit; only the first refusal of a run is a warning. */
    private volatile boolean refusing;

    private PeerTransport(Settings settings, EventLoops loops, EventLoopGroup group, TransportThreads threads,
                          PeerNetwork.Handler<GossipMessage> handler, Executor deliveryExecutor) {
        this.settings = settings;
        this.loops = loops;
        this.group = group;
        this.threads = threads;
        this.protocolLoop = group.next();
        this.delivery = new PeerDelivery<>("gossip", handler,
                deliveryExecutor != null ? deliveryExecutor : protocolLoop, settings.maxPendingDeliveryBytes(), counters);
        this.channels = new DefaultChannelGroup("gossip-channels", protocolLoop);
        PeerFrame hello = hello(settings, TrafficClass.GOSSIP);
        if (hello.getSerializedSize() > settings.maxFrameBytes()) {
            throw new IllegalArgumentException("peer transport: the hello (" + hello.getSerializedSize()
                    + " bytes with this cluster name and node id) does not fit maxFrameBytes "
                    + settings.maxFrameBytes());
        }
        this.outbound = new OutboundTraffic("gossip", new OutboundTraffic.Limits(settings.maxFrameBytes(),
                settings.maxQueuedMessagesPerPeer(), Long.MAX_VALUE, settings.writeBufferHighWaterBytes(),
                settings.connectTimeoutMillis(), settings.reconnectDelayMinMillis(),
                settings.reconnectDelayMaxMillis(), settings.idleCloseMillis(), false),
                loops, group, hello, counters, channels);
        this.gossipInbound = InboundClass.staying("gossip", PeerFrame.KindCase.GOSSIP,
                settings.maxFrameBytes(), counters,
                (from, frame, frameBytes) -> delivery.deliver(from, frame.getGossip(), frameBytes), closed::get);
        ServerBootstrap inbound = new ServerBootstrap()
                .group(group)
                .channel(loops.serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        accept(ch);
                    }
                });
        try {
            this.serverChannel = inbound.bind(settings.host(), settings.port()).syncUninterruptibly().channel();
        } catch (Throwable e) { // a failed bind arrives as an undeclared BindException
            outbound.close();
            throw e;
        }
    }

    /** The hello that opens this node's connections of {@code traffic}. */
    static PeerFrame hello(Settings settings, TrafficClass traffic) {
        return PeerFrame.newBuilder().setHello(PeerHello.newBuilder()
                .setProtocolVersion(PROTOCOL_VERSION)
                .setCluster(settings.cluster())
                .setNodeId(settings.nodeId())
                .setGeneration(settings.generation())
                .setTraffic(traffic)).build();
    }

    /**
     * Binds the peer port and starts; received messages reach {@code handler} on this
     * transport's own event loop ({@link #protocolLoop()}).
     */
    public static PeerTransport start(Settings settings, PeerNetwork.Handler<GossipMessage> handler) {
        return start(settings, handler, null);
    }

    /**
     * Binds the peer port and starts; received messages reach {@code handler} as tasks on
     * {@code deliveryExecutor}, which must run them one at a time in order (the membership
     * core's thread). {@code null} means this transport's own event loop.
     */
    public static PeerTransport start(Settings settings, PeerNetwork.Handler<GossipMessage> handler,
                                      Executor deliveryExecutor) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(handler, "handler");
        EventLoops loops = EventLoops.choose(settings.transport());
        TransportThreads threads = new TransportThreads("murmur-gossip");
        EventLoopGroup group = loops.newGroup(settings.ioThreads(), threads);
        try {
            PeerTransport transport = new PeerTransport(settings, loops, group, threads, handler, deliveryExecutor);
            log.debug("gossip transport of {} listening on {} ({})",
                    settings.nodeId(), transport.localAddress(), transport.transportName());
            return transport;
        } catch (Throwable e) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
            threads.join(TimeUnit.SECONDS.toMillis(5));
            throw e;
        }
    }

    /**
     * Opens the replica traffic class on this transport's peer port: from now on the port
     * also takes replica connections (until now their hellos were refused), and the
     * returned {@link ReplicaTraffic} sends replica messages to peers. Received replica
     * messages reach {@code handler} as tasks on {@code deliveryExecutor} (on a node, the
     * request pool; it may run them in any order and on many threads at once). The replica
     * traffic has its own event loops ({@code murmur-replica-…}), connections and limits;
     * {@link #close()} closes it with the rest.
     *
     * @throws IllegalStateException when replica traffic is open already, or this transport closed
     */
    public ReplicaTraffic openReplicaTraffic(ReplicaTraffic.Settings replicaSettings,
                                            PeerNetwork.Handler<ReplicaMessage> handler,
                                            Executor deliveryExecutor) {
        return openReplicaTraffic(replicaSettings, handler, deliveryExecutor, null);
    }

    /**
     * {@link #openReplicaTraffic(ReplicaTraffic.Settings, PeerNetwork.Handler, Executor)} on
     * {@code shared} event loops, which this transport leaves running when it closes; with
     * {@code null}, on loops of its own.
     */
    public synchronized ReplicaTraffic openReplicaTraffic(ReplicaTraffic.Settings replicaSettings,
                                                          PeerNetwork.Handler<ReplicaMessage> handler,
                                                          Executor deliveryExecutor, NetworkLoops shared) {
        Objects.requireNonNull(replicaSettings, "replicaSettings");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(deliveryExecutor, "deliveryExecutor");
        if (closed.get()) {
            throw new IllegalStateException("peer transport: closed");
        }
        if (replica != null) {
            throw new IllegalStateException("peer transport: replica traffic is open already");
        }
        replica = shared == null
                ? ReplicaTraffic.open(replicaSettings, settings, loops, handler, deliveryExecutor)
                : ReplicaTraffic.open(replicaSettings, settings, shared, handler, deliveryExecutor);
        log.debug("replica traffic of {} open on {} ({} threads)",
                settings.nodeId(), localAddress(), replicaSettings.ioThreads());
        return replica;
    }

    /** The class a hello names, as this node takes it; {@code null} for one it does not take. */
    private InboundClass inboundClass(TrafficClass traffic) {
        return switch (traffic) {
            case GOSSIP -> gossipInbound;
            case REPLICA -> {
                ReplicaTraffic r = replica;
                yield r != null ? r.inbound() : null;
            }
            default -> null;
        };
    }

    private void accept(SocketChannel ch) {
        if (inboundOpen.incrementAndGet() > settings.maxInboundConnections()) {
            inboundOpen.decrementAndGet();
            counters.connectionsRefused.increment();
            if (!refusing) {
                refusing = true;
                log.warn("refusing peer connection from {}: {} inbound connections are open, the limit "
                                + "(further refusals at debug until one is accepted)",
                        PeerAddresses.format(ch.remoteAddress()), settings.maxInboundConnections());
            } else {
                log.debug("refusing peer connection from {}: too many open",
                        PeerAddresses.format(ch.remoteAddress()));
            }
            ch.close();
            return;
        }
        refusing = false;
        InboundSlot slot = new InboundSlot(inboundOpen);
        channels.add(ch);
        ch.closeFuture().addListener(f -> slot.release());
        ChannelPipeline p = ch.pipeline();
        PeerFrameDecoder decoder = new PeerFrameDecoder(settings.maxFrameBytes(), counters.bytesReceived);
        p.addLast("framer", decoder);
        p.addLast("handler", new PeerInboundHandler(settings.cluster(), settings.helloTimeoutMillis(), gossipInbound,
                this::inboundClass, slot, decoder));
    }

    /**
     * Sends {@code message} to the peer at {@code to}, a {@code host:port} address. Never
     * blocks and never throws for a lost peer or an unusable address: whatever cannot be
     * sent is dropped and counted in {@link Counters#messagesDropped()}.
     */
    @Override
    public void send(String to, GossipMessage message) {
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(message, "message");
        if (closed.get()) {
            counters.messagesDropped.increment();
            return;
        }
        outbound.send(to, PeerFrame.newBuilder().setGossip(message).build());
    }

    // ---- public view

    /** The address actually bound (the port is real even when 0 was asked for). */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** "epoll" or "nio". */
    public String transportName() {
        return loops.name();
    }

    /**
     * The event loop that delivers messages unless another executor was given at start. A
     * membership core may run its timers here too, so that everything it does happens on
     * one thread that nothing but gossip uses.
     */
    public ScheduledExecutorService protocolLoop() {
        return protocolLoop;
    }

    /** A snapshot of the counters. */
    public Counters counters() {
        return counters.snapshot();
    }

    /**
     * Accepted connections open now that are not another class's: gossip connections, and
     * those whose hello has not come yet. {@code maxInboundConnections} bounds these; a
     * connection whose hello names replica traffic moves to that class's count
     * ({@link ReplicaTraffic#openInboundConnections()}).
     */
    public int openInboundConnections() {
        return inboundOpen.get();
    }

    /** Outbound gossip connections established (hello sent) and open now. */
    public int openOutboundConnections() {
        return outbound.openConnections();
    }

    /**
     * Stops accepting, closes every connection of every traffic class (replica traffic
     * included, when open), and shuts the event loops down, waiting until their threads have
     * ended. Messages not yet written are dropped, and nothing more reaches the handlers.
     * Must not be called on one of the transport's own event loops (which it would wait for).
     */
    @Override
    public void close() {
        ReplicaTraffic open = replica;
        if (threads.owns(Thread.currentThread()) || (open != null && open.ownsThread(Thread.currentThread()))) {
            throw new IllegalStateException("PeerTransport.close() called on its own event loop");
        }
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        synchronized (this) {
            open = replica; // openReplicaTraffic sees closed from now on
        }
        delivery.stop();
        if (open != null) {
            open.stopDelivery();
        }
        outbound.close();
        serverChannel.close().awaitUninterruptibly();
        if (open != null) {
            open.close();
        }
        channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        if (!threads.join(TimeUnit.SECONDS.toMillis(5))) {
            log.warn("gossip transport threads still running after close");
        }
        outbound.clear();
    }
}
