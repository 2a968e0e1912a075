package io.murmur.transport;

import com.google.protobuf.InvalidProtocolBufferException;
import io.murmur.proto.peer.PeerFrame;
import io.murmur.proto.peer.PeerHello;
import io.murmur.proto.peer.TrafficClass;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * One accepted peer connection: checks the hello, then hands each gossip message to the
 * {@link GossipDelivery}. Nothing is ever written back; connections are one-way.
 *
 * <p>Design note. A node answers nothing to a stranger. Whatever breaks the protocol — a
 * first frame that is not a hello, a hello from another cluster, another protocol version
 * or an unknown traffic class, a second hello, a frame of no known kind, bytes that do not
 * parse, a length over the limit, or no hello within {@code helloTimeoutMillis} — gets one
 * warn line naming the remote address and the reason, and the connection is closed; every
 * other connection goes on as before. All state is touched only on the channel's event
 * loop.
 */
final class PeerInboundHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(PeerInboundHandler.class);

    private final String cluster;
    private final long helloTimeoutMillis;
    private final GossipDelivery delivery;
    private final PeerCounters counters;
    private String remote = "(unknown)";
    /** The connection's hello, once it has come. */
    private PeerHello hello;
    private ScheduledFuture<?> helloTimeout;
    private boolean closing;

    PeerInboundHandler(String cluster, long helloTimeoutMillis, GossipDelivery delivery, PeerCounters counters) {
        this.cluster = cluster;
        this.helloTimeoutMillis = helloTimeoutMillis;
        this.delivery = delivery;
        this.counters = counters;
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
        if (hello != null) {
            log.debug("gossip connection from {} ({} generation {}) closed",
                    remote, LogText.printable(hello.getNodeId()), hello.getGeneration());
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
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
            case HELLO -> {
                if (hello != null) {
                    reject(ctx, "a second hello");
                    return;
                }
                String problem = problemWith(frame.getHello());
                if (problem != null) {
                    reject(ctx, problem);
                    return;
                }
                hello = frame.getHello();
                cancelHelloTimeout();
                log.debug("gossip connection from {} opened by {} generation {}",
                        remote, LogText.printable(hello.getNodeId()), hello.getGeneration());
            }
            case GOSSIP -> {
                if (hello == null) {
                    reject(ctx, "a gossip frame before the hello");
                    return;
                }
                counters.messagesReceived.increment();
                delivery.deliver(remote, frame.getGossip(), frameBytes);
            }
            case KIND_NOT_SET -> reject(ctx, hello == null
                    ? "a frame of no known kind before the hello" : "a frame of no known kind");
        }
    }

    /** Why {@code candidate} is refused, or {@code null} when it opens a gossip connection of this cluster. */
    private String problemWith(PeerHello candidate) {
        if (candidate.getProtocolVersion() != PeerTransport.PROTOCOL_VERSION) {
            return "a hello with protocol version " + candidate.getProtocolVersion()
                    + " (this node speaks " + PeerTransport.PROTOCOL_VERSION + ")";
        }
        if (!candidate.getCluster().equals(cluster)) {
            return "a hello from cluster '" + LogText.printable(candidate.getCluster())
                    + "' (this node is in '" + cluster + "')";
        }
        if (candidate.getTraffic() != TrafficClass.GOSSIP) {
            return "a hello for traffic class " + candidate.getTrafficValue() + " (this port carries gossip only)";
        }
        if (candidate.getNodeId().isEmpty()) {
            return "a hello without a node id";
        }
        return null;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException) {
            reject(ctx, "undecodable input (" + LogText.printable(String.valueOf(cause.getMessage())) + ")");
        } else if (cause instanceof IOException) {
            log.debug("gossip connection from {} dropped: {}", remote, cause.toString());
            ctx.close();
        } else {
            log.warn("closing gossip connection from {} after an unexpected error", remote, cause);
            ctx.close();
        }
    }

    private void reject(ChannelHandlerContext ctx, String reason) {
        if (closing) {
            return;
        }
        closing = true;
        cancelHelloTimeout();
        counters.connectionsRejected.increment();
        log.warn("closing peer connection from {}: {}", remote, reason);
        ctx.close();
    }

    private void cancelHelloTimeout() {
        if (helloTimeout != null) {
            helloTimeout.cancel(false);
            helloTimeout = null;
        }
    }
}
