package io.murmur.transport;

import io.murmur.proto.peer.PeerFrame;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The receiving side of one traffic class, as an accepted peer connection sees it once its
 * hello names the class: which frames the connection may carry, how large, where they go,
 * and on which event loops the connection then runs.
 *
 * <p>Gossip connections stay on the loop that accepted them (the gossip transport's).
 * Connections of any other class move to that class's own loops (see
 * {@link PeerInboundHandler}), taking a place among its open connections, of which there
 * may be at most {@code maxOpen}.
 */
final class InboundClass {
    private static final Logger log = LoggerFactory.getLogger(InboundClass.class);

    /** Takes one received message of the class, as its whole frame and the frame's length. */
    @FunctionalInterface
    interface Sink {
        void deliver(String from, PeerFrame frame, int frameBytes);
    }

    private final String name;
    private final PeerFrame.KindCase kind;
    private final int maxFrameBytes;
    private final PeerCounters counters;
    private final Sink sink;
    /** The class's loops, or {@code null} when its connections stay where they were accepted. */
    private final EventLoopGroup loops;
    private final ChannelGroup channels;
    private final AtomicInteger open;
    private final int maxOpen;
    private final BooleanSupplier closed;
    /** Refusing connections over {@code maxOpen}; only the first refusal of a run is a warning. */
    private volatile boolean refusing;

    private InboundClass(String name, PeerFrame.KindCase kind, int maxFrameBytes,
                         PeerCounters counters, Sink sink, EventLoopGroup loops, ChannelGroup channels,
                         AtomicInteger open, int maxOpen, BooleanSupplier closed) {
        this.name = name;
        this.kind = kind;
        this.maxFrameBytes = maxFrameBytes;
        this.counters = counters;
        this.sink = sink;
        this.loops = loops;
        this.channels = channels;
        this.open = open;
        this.maxOpen = maxOpen;
        this.closed = closed;
    }

    /** A class whose connections stay on the loop that accepted them, already counted in its slot. */
    static InboundClass staying(String name, PeerFrame.KindCase kind, int maxFrameBytes,
                                PeerCounters counters, Sink sink, BooleanSupplier closed) {
        return new InboundClass(name, kind, maxFrameBytes, counters, sink, null, null, null, 0, closed);
    }

    /**
     * A class whose connections move to {@code loops}, tracked in {@code channels} and counted
     * in {@code open}, at most {@code maxOpen} of them.
     */
    static InboundClass moving(String name, PeerFrame.KindCase kind, int maxFrameBytes,
                               PeerCounters counters, Sink sink, EventLoopGroup loops, ChannelGroup channels,
                               AtomicInteger open, int maxOpen, BooleanSupplier closed) {
        return new InboundClass(name, kind, maxFrameBytes, counters, sink, loops, channels, open, maxOpen,
                closed);
    }

    String name() {
        return name;
    }

    /** The one kind of frame, after the hello, that the class's connections carry. */
    PeerFrame.KindCase kind() {
        return kind;
    }

    int maxFrameBytes() {
        return maxFrameBytes;
    }

    PeerCounters counters() {
        return counters;
    }

    boolean isClosed() {
        return closed.getAsBoolean();
    }

    void deliver(String from, PeerFrame frame, int frameBytes) {
        sink.deliver(from, frame, frameBytes);
    }

    /** Whether the class's connections move to loops of their own. */
    boolean moves() {
        return loops != null;
    }

    /** The loop to move the next connection to. */
    EventLoop nextLoop() {
        return loops.next();
    }

    /**
     * Takes {@code channel}, coming from {@code remote}, among the class's connections:
     * moves its slot and tracks it; false (and a refusal counted) when the class has
     * {@code maxOpen} open already.
     */
    boolean admit(Channel channel, InboundSlot slot, String remote) {
        if (loops == null) {
            return true; // counted on accept
        }
        if (!slot.moveTo(open, maxOpen)) {
            counters.connectionsRefused.increment();
            if (!refusing) {
                refusing = true;
                log.warn("refusing {} connection from {}: {} inbound {} connections are open, the limit "
                        + "(further refusals at debug until one is accepted)", name, remote, maxOpen, name);
            } else {
                log.debug("refusing {} connection from {}: too many open", name, remote);
            }
            return false;
        }
        refusing = false;
        channels.add(channel);
        return true;
    }
}
