package io.murmur.transport;

import com.google.protobuf.InvalidProtocolBufferException;
import io.murmur.proto.peer.PeerFrame;
import io.murmur.proto.peer.PeerHello;
import io.murmur.proto.peer.TrafficClass;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One accepted peer connection: checks the hello, which names the connection's traffic
 * class, then hands each message of that class to the class (see {@link InboundClass}).
 * Nothing is ever written back; connections are one-way.
 *
 * <p>Design note. A node answers nothing to a stranger. Whatever breaks the protocol — a
 * first frame that is not a hello, a hello from another cluster, another protocol version
 * or a traffic class this node does not take, a second hello, a frame of another class
 * than the hello named, a frame of no known kind, bytes that do not parse, a length over
 * the limit, or no hello within {@code helloTimeoutMillis} — gets one warn line naming the
 * remote address and the reason, and the connection is closed; every other connection
 * goes on as before. All state is touched only on the channel's event loop.
 *
 * <p>Every connection is accepted on the gossip transport's loop, where its hello is read.
 * A gossip connection stays there. A connection of a class with loops of its own (replica
 * traffic) moves: the handler stops reading ({@code autoRead} off), deregisters the
 * channel from the gossip loop and, once that is done, registers it on one of the class's
 * loops, where reading resumes. Frames that arrived in the same read as the hello, after
 * it, are only held (not parsed) on the gossip loop and handled on the new loop, in order,
 * before anything else is read; so after its hello a replica connection costs the gossip
 * loop nothing. Netty runs a deregistration after the handler call that asked for it, so
 * no handler of the channel ever runs on both loops at once.
 */
final class PeerInboundHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(PeerInboundHandler.class);

    private final String cluster;
    private final long helloTimeoutMillis;
    /** The class that accepted the connection; its counters apply until a hello names the class. */
    private final InboundClass accepting;
    /** The class a hello names, or {@code null} when this node does not take it. */
    private final Function<TrafficClass, InboundClass> classes;
    private final InboundSlot slot;
    private final PeerFrameDecoder decoder;
    private String remote = "(unknown)";
    /** The connection's hello, once it has come. */
    private PeerHello hello;
    /** The class the hello named. */
    private InboundClass current;
    private ScheduledFuture<?> helloTimeout;
    private boolean closing;
    /** While moving to the class's loop: what was read meanwhile, in order. */
    private List<Object> held;

    PeerInboundHandler(String cluster, long helloTimeoutMillis, InboundClass accepting,
                       Function<TrafficClass, InboundClass> classes, InboundSlot slot, PeerFrameDecoder decoder) {
        this.cluster = cluster;
        this.helloTimeoutMillis = helloTimeoutMillis;
        this.accepting = accepting;
        this.classes = classes;
        this.slot = slot;
        this.decoder = decoder;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        remote = PeerAddresses.format(ctx.channel().remoteAddress());
        helloTimeout = ctx.executor().schedule(
                () -> reject(ctx, "no hello within " + helloTimeoutMillis + " ms"),
                helloTimeoutMillis, TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelHelloTimeout();
        releaseHeld();
        if (hello != null) {
            log.debug("{} connection from {} ({} generation {}) closed",
                    current.name(), remote, LogText.printable(hello.getNodeId()), hello.getGeneration());
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseHeld();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (held != null) {
            held.add(msg); // moving: handled on the new loop
            return;
        }
        if (msg instanceof PeerFrameDecoder.OversizedFrame oversized) {
            reject(ctx, "a frame of " + oversized.length() + " bytes is over the limit");
            return;
        }
        ByteBuf bytes = (ByteBuf) msg;
        try {
            if (closing) {
                return;
            }
            PeerFrame frame;
            try {
                frame = PeerFrame.parser().parseFrom(bytes.nioBuffer());
            } catch (InvalidProtocolBufferException e) {
                reject(ctx, "an unparseable frame (" + LogText.printable(String.valueOf(e.getMessage())) + ")");
                return;
            }
            onFrame(ctx, frame, 4 + bytes.readableBytes());
        } finally {
            ReferenceCountUtil.release(bytes);
        }
    }

    private void onFrame(ChannelHandlerContext ctx, PeerFrame frame, int frameBytes) {
        switch (frame.getKindCase()) {
            case HELLO -> onHello(ctx, frame.getHello());
            case KIND_NOT_SET -> reject(ctx, hello == null
                    ? "a frame of no known kind before the hello" : "a frame of no known kind");
            default -> {
                String kind = frame.getKindCase().name().toLowerCase(Locale.ROOT);
                if (hello == null) {
                    reject(ctx, "a " + kind + " frame before the hello");
                    return;
                }
                if (frame.getKindCase() != current.kind()) {
                    reject(ctx, "a " + kind + " frame on a " + current.name() + " connection");
                    return;
                }
                current.counters().messagesReceived.increment();
                current.deliver(remote, frame, frameBytes);
            }
        }
    }

    private void onHello(ChannelHandlerContext ctx, PeerHello candidate) {
        if (hello != null) {
            reject(ctx, "a second hello");
            return;
        }
        String problem = problemWith(candidate);
        if (problem != null) {
            reject(ctx, problem);
            return;
        }
        InboundClass target = classes.apply(candidate.getTraffic());
        if (target == null) {
            reject(ctx, candidate.getTraffic() == TrafficClass.REPLICA
                    ? "a hello for replica traffic, which this node does not take"
                    : "a hello for traffic class " + candidate.getTrafficValue() + ", which this node does not take");
            return;
        }
        cancelHelloTimeout();
        if (target.isClosed()) {
            closing = true;
            ctx.close(); // the transport is closing
            return;
        }
        if (!target.admit(ctx.channel(), slot, remote)) {
            closing = true;
            ctx.close();
            return;
        }
        hello = candidate;
        current = target;
        decoder.switchTo(target.maxFrameBytes(), target.counters().bytesReceived);
        log.debug("{} connection from {} opened by {} generation {}",
                target.name(), remote, LogText.printable(hello.getNodeId()), hello.getGeneration());
        if (target.moves()) {
            moveTo(ctx, target);
        }
    }

    /** Why {@code candidate} is refused, or {@code null} when it opens a connection of this cluster. */
    private String problemWith(PeerHello candidate) {
        if (candidate.getProtocolVersion() != PeerTransport.PROTOCOL_VERSION) {
            return "a hello with protocol version " + candidate.getProtocolVersion()
                    + " (this node speaks " + PeerTransport.PROTOCOL_VERSION + ")";
        }
        if (!candidate.getCluster().equals(cluster)) {
            return "a hello from cluster '" + LogText.printable(candidate.getCluster())
                    + "' (this node is in '" + cluster + "')";
        }
        if (candidate.getNodeId().isEmpty()) {
            return "a hello without a node id";
        }
        return null;
    }

    /** Moves the channel, on its loop, from the loop that accepted it to one of {@code target}'s. */
    private void moveTo(ChannelHandlerContext ctx, InboundClass target) {
        Channel ch = ctx.channel();
        held = new ArrayList<>();
        ch.config().setAutoRead(false);
        ch.deregister().addListener((ChannelFutureListener) deregistered -> {
            if (!deregistered.isSuccess()) {
                movingFailed(ch, target, deregistered.cause());
                return;
            }
            if (target.isClosed() || !ch.isOpen()) {
                ch.close();
                return;
            }
            EventLoop next = target.nextLoop();
            next.register(ch).addListener((ChannelFutureListener) registered -> {
                if (registered.isSuccess()) {
                    moved(ctx);
                } else {
                    movingFailed(ch, target, registered.cause());
                }
            });
        });
    }

    private void movingFailed(Channel ch, InboundClass target, Throwable cause) {
        if (ch.isOpen() && !target.isClosed()) {
            log.warn("closing {} connection from {}: it could not move to the {} event loops ({})",
                    target.name(), remote, target.name(), String.valueOf(cause));
        }
        ch.close();
    }

    /** On the new loop: handles what was held, then reads on. */
    private void moved(ChannelHandlerContext ctx) {
        List<Object> waiting = held;
        held = null;
        for (Object msg : waiting) {
            channelRead(ctx, msg);
        }
        if (!closing && ctx.channel().isOpen()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void releaseHeld() {
        if (held != null) {
            held.forEach(ReferenceCountUtil::release);
            held.clear();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        String name = current != null ? current.name() : "peer";
        if (cause instanceof DecoderException) {
            reject(ctx, "undecodable input (" + LogText.printable(String.valueOf(cause.getMessage())) + ")");
        } else if (cause instanceof IOException) {
            log.debug("{} connection from {} dropped: {}", name, remote, cause.toString());
            ctx.close();
        } else {
            log.warn("closing {} connection from {} after an unexpected error", name, remote, cause);
            ctx.close();
        }
    }

    private void reject(ChannelHandlerContext ctx, String reason) {
        if (closing) {
            return;
        }
        closing = true;
        cancelHelloTimeout();
        (current != null ? current : accepting).counters().connectionsRejected.increment();
        log.warn("closing {} connection from {}: {}", current != null ? current.name() : "peer", remote, reason);
        ctx.close();
    }

    private void cancelHelloTimeout() {
        if (helloTimeout != null) {
            helloTimeout.cancel(false);
            helloTimeout = null;
        }
    }
}
