package io.murmur.transport;

import io.murmur.proto.peer.PeerFrame;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The sending side of one traffic class: its outbound connections, one per peer address
 * (see {@link OutboundPeer}), opened on the class's own event-loop group and each starting
 * with the class's hello.
 *
 * <p>Whatever cannot be sent is dropped and counted, never waited for: an unusable
 * address, a frame over the class's limit, a full queue, a closed transport. The owner
 * (the gossip transport or the replica traffic) closes the channels it was given in
 * {@link #channels} after {@link #close()}.
 */
final class OutboundTraffic {
    private static final Logger log = LoggerFactory.getLogger(OutboundTraffic.class);

    /**
     * The outbound limits of one traffic class; the owner's settings document and check them.
     *
     * @param waitWhenUnwritable whether a connection over its write-buffer high-water mark keeps
     *                           the frames in the queue until the peer reads again (replica traffic:
     *                           data is not said again), rather than dropping them (gossip: the
     *                           next round says it all again, and newer)
     */
    record Limits(int maxFrameBytes, int maxQueuedMessagesPerPeer, long maxQueuedBytesPerPeer,
                  int writeBufferHighWaterBytes, int connectTimeoutMillis, long reconnectDelayMinMillis,
                  long reconnectDelayMaxMillis, long idleCloseMillis, boolean waitWhenUnwritable) {
    }

    private final String name;
    private final Limits limits;
    private final EventLoopGroup group;
    private final PeerCounters counters;
    private final ChannelGroup channels;
    private final PeerFrame hello;
    private final int helloFrameBytes;
    private final Bootstrap bootstrap;
    private final ConcurrentHashMap<String, OutboundPeer> peers = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Only the first unusable address is a warning. */
    private final AtomicBoolean badAddressWarned = new AtomicBoolean();
    private final ScheduledFuture<?> idleSweep;

    /**
     * @param name     the traffic class's name, for logs ("gossip", "replica")
     * @param group    the class's event loops: connections are opened and written there
     * @param hello    the first frame of every connection
     * @param channels where every channel opened is tracked, so that the owner can close them
     */
    OutboundTraffic(String name, Limits limits, EventLoops loops, EventLoopGroup group, PeerFrame hello,
                    PeerCounters counters, ChannelGroup channels) {
        this.name = name;
        this.limits = limits;
        this.group = group;
        this.counters = counters;
        this.channels = channels;
        this.hello = hello;
        this.helloFrameBytes = 4 + hello.getSerializedSize();
        this.bootstrap = new Bootstrap()
                .channel(loops.socketChannelClass())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, limits.connectTimeoutMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(
                        limits.writeBufferHighWaterBytes() / 2, limits.writeBufferHighWaterBytes()));
        long sweepMillis = Math.max(10, limits.idleCloseMillis() / 4);
        this.idleSweep = group.next().scheduleWithFixedDelay(this::retireIdlePeers, sweepMillis, sweepMillis,
                TimeUnit.MILLISECONDS);
    }

    /**
     * Queues {@code frame}, one message of this class, for the peer at {@code to}; drops and
     * counts it when it is too large, the address unusable, the peer's queue full or this
     * traffic closed.
     */
    void send(String to, PeerFrame frame) {
        if (closed.get()) {
            counters.messagesDropped.increment();
            return;
        }
        int size = frame.getSerializedSize();
        if (size > limits.maxFrameBytes()) {
            counters.messagesDropped.increment();
            log.warn("dropped a {} message to {}: {} bytes is over the frame limit of {} bytes",
                    name, LogText.printable(to), size, limits.maxFrameBytes());
            return;
        }
        enqueue(to, frame);
    }

    /** Queues a checked frame for the peer at {@code address}, making the peer if it is new. */
    void enqueue(String address, PeerFrame frame) {
        if (closed.get()) {
            counters.messagesDropped.increment();
            return;
        }
        OutboundPeer peer = peers.get(address);
        if (peer == null) {
            InetSocketAddress remote = PeerAddresses.parse(address);
            if (remote == null) {
                counters.messagesDropped.increment();
                if (badAddressWarned.compareAndSet(false, true)) {
                    log.warn("dropped a {} message to '{}': not a host:port address (further ones at debug)",
                            name, LogText.printable(address));
                } else {
                    log.debug("dropped a {} message to '{}': not a host:port address", name,
                            LogText.printable(address));
                }
                return;
            }
            peer = peers.computeIfAbsent(address, a -> new OutboundPeer(a, remote, group.next(), this));
        }
        if (!peer.offer(frame)) {
            counters.messagesDropped.increment();
        }
    }

    private void retireIdlePeers() {
        long idleNanos = TimeUnit.MILLISECONDS.toNanos(limits.idleCloseMillis());
        for (OutboundPeer peer : peers.values()) {
            peer.retireIfIdle(idleNanos);
        }
    }

    /** From now on everything is dropped; the owner then closes the channels. */
    void close() {
        closed.set(true);
        idleSweep.cancel(false);
    }

    /** Forgets every peer; once the channels are closed. */
    void clear() {
        peers.clear();
    }

    /** Connections established (hello written) and open now. */
    int openConnections() {
        return open.get();
    }

    // ---- for OutboundPeer

    String name() {
        return name;
    }

    Limits limits() {
        return limits;
    }

    PeerCounters counters() {
        return counters;
    }

    boolean isClosed() {
        return closed.get();
    }

    PeerFrame hello() {
        return hello;
    }

    int helloFrameBytes() {
        return helloFrameBytes;
    }

    /** A bootstrap for one outbound connection on {@code loop}, watched by {@code watcher}. */
    Bootstrap bootstrap(EventLoop loop, ChannelHandler watcher) {
        return bootstrap.clone(loop).handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ChannelPipeline p = ch.pipeline();
                p.addLast("encoder", new PeerFrameEncoder());
                p.addLast("watcher", watcher);
            }
        });
    }

    /** Remembers {@code channel} so that the owner closes it. */
    void track(Channel channel) {
        channels.add(channel);
    }

    void opened() {
        open.incrementAndGet();
    }

    void closed() {
        open.decrementAndGet();
    }

    /** Removes {@code peer}, retired, from the table (unless a successor has replaced it). */
    void forget(String address, OutboundPeer peer) {
        peers.remove(address, peer);
    }
}
