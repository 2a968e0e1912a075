package io.murmur.transport;

import io.murmur.proto.peer.PeerFrame;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one outbound connection of one traffic class to one peer address, opened lazily,
 * with the queue of frames waiting for it.
 *
 * <p>Design note. Any thread may {@link #offer} a frame; it lands in a queue bounded by
 * {@code maxQueuedMessagesPerPeer} and {@code maxQueuedBytesPerPeer} (a full queue drops
 * the frame, never waits), and one drain task on this peer's event loop moves the queue
 * onto the channel: it writes every frame waiting and then flushes once, so a burst costs
 * one system call per drain rather than one per message. All connection state is touched
 * only on that loop. The first frame on every connection is the traffic class's hello.
 *
 * <p>A channel over its write-buffer high-water mark even after a flush means the peer
 * reads too slowly. Gossip then drops the frames (a newer round will say it all again);
 * replica traffic leaves them in the queue and goes on when the channel is writable again,
 * so a burst of data is slowed down to what the peer takes instead of being thinned out,
 * and only a full queue drops.
 *
 * <p>Drops, all counted: a full queue; a channel over its high-water mark (gossip only);
 * frames queued while a failed connect backs off; frames whose write fails.
 *
 * <p>Backoff: a failed connect, and a connection the peer closes before it has stayed up
 * for {@code reconnectDelayMaxMillis}, delay the next attempt by {@code reconnectDelayMinMillis},
 * doubling up to {@code reconnectDelayMaxMillis}. A peer that accepts and at once closes
 * (say, it refuses our cluster name) is thus retried no more eagerly than one that refuses
 * the connect. The delay is back at its minimum once a connection has stayed up that long.
 * The first failure of a run, and the first connect after it, are logged at info; the rest
 * of the run at debug.
 *
 * <p>A peer not sent to for {@code idleCloseMillis} is retired: its connection is closed
 * and it leaves the transport's table; a frame offered to it meanwhile is handed on to its
 * successor.
 */
final class OutboundPeer {
    private static final Logger log = LoggerFactory.getLogger(OutboundPeer.class);

    private final String address;
    private final InetSocketAddress remote;
    private final EventLoop loop;
    private final OutboundTraffic owner;
    private final OutboundTraffic.Limits limits;
    private final String traffic;
    private final PeerCounters counters;
    private final ConcurrentLinkedQueue<PeerFrame> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private volatile long lastUsedNanos = System.nanoTime();

    // ---- touched only on the event loop
    private Channel channel;
    /** The channel is connected and the hello is written. */
    private boolean connected;
    private long connectedAtNanos;
    private long retryAtNanos;
    private long nextDelayMillis;
    /** Failed attempts since the last connection that stayed up. */
    private int failures;
    /** The first connect after failures began has been logged; later ones of the run go to debug. */
    private boolean reconnectLogged;
    private boolean retired;

    OutboundPeer(String address, InetSocketAddress remote, EventLoop loop, OutboundTraffic owner) {
        this.address = address;
        this.remote = remote;
        this.loop = loop;
        this.owner = owner;
        this.limits = owner.limits();
        this.traffic = owner.name();
        this.counters = owner.counters();
        this.nextDelayMillis = limits.reconnectDelayMinMillis();
        this.retryAtNanos = System.nanoTime(); // nanoTime may be negative: 0 is no safe "long ago"
    }

    /** Queues {@code frame} for this peer; false (and nothing queued) when the queue is full. */
    boolean offer(PeerFrame frame) {
        lastUsedNanos = System.nanoTime();
        if (queued.incrementAndGet() > limits.maxQueuedMessagesPerPeer()) {
            queued.decrementAndGet();
            return false;
        }
        long bytes = frameBytes(frame);
        if (queuedBytes.addAndGet(bytes) > limits.maxQueuedBytesPerPeer()) {
            queuedBytes.addAndGet(-bytes);
            queued.decrementAndGet();
            return false;
        }
        queue.add(frame);
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                loop.execute(this::drain);
            } catch (RejectedExecutionException e) {
                dropQueued(); // the transport is closing
            }
        }
        return true;
    }

    /** The frame's length on the wire; protobuf remembers the size, so this is cheap. */
    private static long frameBytes(PeerFrame frame) {
        return 4L + frame.getSerializedSize();
    }

    private PeerFrame poll() {
        PeerFrame frame = queue.poll();
        if (frame != null) {
            queued.decrementAndGet();
            queuedBytes.addAndGet(-frameBytes(frame));
        }
        return frame;
    }

    private void dropQueued() {
        while (poll() != null) {
            counters.messagesDropped.increment();
        }
    }

    private void drain() {
        drainScheduled.set(false);
        if (retired) {
            for (PeerFrame frame = poll(); frame != null; frame = poll()) {
                owner.enqueue(address, frame);
            }
        } else if (owner.isClosed()) {
            dropQueued();
        } else if (connected) {
            writeQueued();
        } else if (channel != null) {
            // connecting: the frames wait, bounded, until the connect ends
        } else if (System.nanoTime() - retryAtNanos < 0) {
            dropQueued();
        } else {
            connect();
        }
    }

    private void connect() {
        ChannelFuture connecting = owner.bootstrap(loop, new Watcher()).connect(remote);
        channel = connecting.channel();
        owner.track(channel);
        connecting.addListener((ChannelFutureListener) this::connectDone);
    }

    private void connectDone(ChannelFuture future) {
        if (future.channel() != channel) {
            return;
        }
        if (!future.isSuccess()) {
            channel = null;
            if (retired || owner.isClosed()) {
                dropQueued(); // we closed it ourselves while it was connecting
                return;
            }
            counters.connectFailures.increment();
            backOff("cannot connect: " + describe(future.cause()));
            dropQueued();
            return;
        }
        connected = true;
        connectedAtNanos = System.nanoTime();
        owner.opened();
        if (failures > 0 && !reconnectLogged) {
            reconnectLogged = true;
            log.info("connected to {} peer {} after {} failed attempts", traffic, address, failures);
        } else if (failures > 0) {
            log.debug("connected to {} peer {} after {} failed attempts", traffic, address, failures);
        }
        int helloBytes = owner.helloFrameBytes();
        channel.write(owner.hello()).addListener((ChannelFutureListener) written -> {
            if (written.isSuccess()) {
                counters.bytesSent.add(helloBytes);
            }
        });
        writeQueued();
    }

    /** Writes what the queue holds, as far as the channel takes it, then flushes once. */
    private void writeQueued() {
        Channel ch = channel;
        boolean waitWhenUnwritable = limits.waitWhenUnwritable();
        while (!queue.isEmpty()) {
            if (!ch.isWritable()) {
                ch.flush();
                if (!ch.isWritable()) {
                    if (waitWhenUnwritable) {
                        break; // the frames wait; channelWritabilityChanged drains again
                    }
                    poll();
                    counters.messagesDropped.increment();
                    continue;
                }
            }
            PeerFrame frame = poll();
            long bytes = frameBytes(frame);
            ch.write(frame).addListener((ChannelFutureListener) written -> {
                if (written.isSuccess()) {
                    counters.messagesSent.increment();
                    counters.bytesSent.add(bytes);
                } else {
                    counters.messagesDropped.increment();
                }
            });
        }
        ch.flush();
    }

    /** On the loop: the channel closed, by either side. */
    private void closed(Channel ch) {
        if (ch != channel) {
            return;
        }
        channel = null;
        boolean wasConnected = connected;
        connected = false;
        if (wasConnected) {
            owner.closed();
        }
        if (retired || owner.isClosed() || !wasConnected) {
            return; // a failed connect is handled by connectDone
        }
        long livedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connectedAtNanos);
        if (livedMillis >= limits.reconnectDelayMaxMillis()) {
            failures = 0;
            nextDelayMillis = limits.reconnectDelayMinMillis();
            log.debug("{} connection to {} closed after {} ms", traffic, address, livedMillis);
        } else {
            backOff("the peer closed the connection after " + livedMillis + " ms");
        }
        if (!queue.isEmpty()) {
            drain();
        }
    }

    private void backOff(String reason) {
        failures++;
        if (failures == 1) {
            reconnectLogged = false;
        }
        long delay = nextDelayMillis;
        retryAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay);
        nextDelayMillis = Math.min(delay * 2, limits.reconnectDelayMaxMillis());
        if (failures == 1) {
            log.info("{} peer {}: {}; retrying after {} ms, backing off up to {} ms (further failures at debug)",
                    traffic, address, reason, delay, limits.reconnectDelayMaxMillis());
        } else {
            log.debug("{} peer {}: {} (failure {}); retrying after {} ms", traffic, address, reason, failures, delay);
        }
    }

    private static String describe(Throwable cause) {
        return cause == null ? "unknown cause" : cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }

    /** Asks the loop to retire this peer if it has not been sent to for {@code idleNanos}. */
    void retireIfIdle(long idleNanos) {
        try {
            loop.execute(() -> {
                if (retired || System.nanoTime() - lastUsedNanos < idleNanos || !queue.isEmpty()) {
                    return;
                }
                retired = true;
                owner.forget(address, this);
                if (channel != null) {
                    log.debug("closing the idle {} connection to {}", traffic, address);
                    channel.close(); // closed() then does the bookkeeping
                }
            });
        } catch (RejectedExecutionException e) {
            // the transport is closing, and closes every channel itself
        }
    }

    /**
     * Watches the outbound channel: it must stay silent (the peer answers on a connection of
     * its own), and its closing is reported to the peer on the loop.
     */
    private final class Watcher extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            int bytes = msg instanceof ByteBuf buf ? buf.readableBytes() : 0;
            ReferenceCountUtil.release(msg);
            if (ctx.channel().isOpen()) {
                log.warn("closing {} connection to {}: the peer sent {} bytes on a one-way connection",
                        traffic, address, bytes);
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closed(ctx.channel());
            ctx.fireChannelInactive();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable() && ctx.channel() == channel && connected && !queue.isEmpty()) {
                drain();
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof IOException) {
                log.debug("{} connection to {} failed: {}", traffic, address, cause.toString());
            } else {
                log.warn("closing {} connection to {} after an unexpected error", traffic, address, cause);
            }
            ctx.close();
        }
    }
}
