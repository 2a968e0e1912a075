package io.murmur.transport;

import com.google.protobuf.InvalidProtocolBufferException;
import io.murmur.proto.client.ErrorCode;
import io.murmur.proto.client.Request;
import io.murmur.proto.client.Response;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One client connection: decodes each frame into a {@link Request}, hands it to the
 * dispatcher, writes the reply, and keeps the connection within its bounds.
 *
 * <p>Design note. Backpressure is by not reading: once {@code maxInFlight} requests are
 * being served, or the outbound buffer passes its high-water mark because the client
 * reads slowly, the channel stops reading, so TCP flow control pushes back on the client
 * and the node's memory per connection stays bounded. Frames already decoded from the
 * last read wait in a queue and are dispatched as earlier requests finish. All state here
 * is touched only on the channel's event loop; replies completed on other threads hop
 * back to it. A frame that breaks the protocol gets an error reply (request id 0 when the
 * id is unknown) and the connection closes; other connections never notice.
 */
final class ClientConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ClientConnectionHandler.class);

    /** How long a connection being closed for a protocol error still swallows input. */
    private static final long LINGER_MILLIS = 2_000;

    private final RequestDispatcher dispatcher;
    private final int maxInFlight;
    private final ClientListener.Tracker tracker;
    private final ArrayDeque<Request> waiting = new ArrayDeque<>();
    private int inFlight;
    private boolean closing;
    /** Inside {@link #drainWaiting}: replies completed at once must not recurse into it. */
    private boolean dispatching;
    private boolean outputShut;
    /** While closing: the last reply written; when it is done, so are all before it. */
    private ChannelFuture lastWrite;

    ClientConnectionHandler(RequestDispatcher dispatcher, int maxInFlight, ClientListener.Tracker tracker) {
        this.dispatcher = dispatcher;
        this.maxInFlight = maxInFlight;
        this.tracker = tracker;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ClientFrameDecoder.OversizedFrame oversized) {
            failAndClose(ctx, oversized.requestId(), ErrorCode.TOO_LARGE, "frame of " + oversized.length()
                    + " bytes is over the limit (limits.max_frame_bytes)");
            return;
        }
        ByteBuf frame = (ByteBuf) msg;
        try {
            if (closing) {
                return;
            }
            Request request;
            try {
                request = Request.parser().parseFrom(frame.nioBuffer());
            } catch (InvalidProtocolBufferException e) {
                failAndClose(ctx, 0, ErrorCode.INVALID_REQUEST, "undecodable request frame: " + e.getMessage());
                return;
            }
            waiting.add(request);
            tracker.requestQueued();
            drainWaiting(ctx);
        } finally {
            ReferenceCountUtil.release(frame);
        }
    }

    private void drainWaiting(ChannelHandlerContext ctx) {
        if (dispatching) {
            return; // a request answered at once, inside the loop below: the loop goes on
        }
        dispatching = true;
        try {
            while (!closing && inFlight < maxInFlight && !waiting.isEmpty()) {
                Request request = waiting.poll();
                inFlight++;
                dispatch(ctx, request);
            }
        } finally {
            dispatching = false;
        }
        updateAutoRead(ctx);
    }

    private void dispatch(ChannelHandlerContext ctx, Request request) {
        try {
            dispatcher.dispatch(request).whenComplete((reply, failure) -> {
                if (ctx.executor().inEventLoop()) {
                    complete(ctx, request, reply, failure);
                } else {
                    ctx.executor().execute(() -> complete(ctx, request, reply, failure));
                }
            });
        } catch (RuntimeException e) {
            complete(ctx, request, null, e);
        }
    }

    private void complete(ChannelHandlerContext ctx, Request request, Reply reply, Throwable failure) {
        inFlight--;
        tracker.requestDone();
        if (failure != null) {
            log.error("request {} failed inside the node", request.getRequestId(), failure);
            reply = Reply.of(Errors.error(request.getRequestId(), ErrorCode.INTERNAL,
                    "internal error: " + failure.getClass().getSimpleName()));
        }
        if (!ctx.channel().isActive()) {
            return;
        }
        if (closing) {
            // received before the request that broke the protocol: still answered
            lastWrite = ctx.writeAndFlush(reply.response());
            finishClosingWhenIdle(ctx);
            return;
        }
        if (reply.closeAfter()) {
            startClosing(ctx, reply.response());
            return;
        }
        ctx.writeAndFlush(reply.response(), ctx.voidPromise());
        drainWaiting(ctx);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        updateAutoRead(ctx);
        ctx.fireChannelWritabilityChanged();
    }

    private void updateAutoRead(ChannelHandlerContext ctx) {
        boolean read = closing || (!tracker.draining() && inFlight < maxInFlight && waiting.isEmpty()
                && ctx.channel().isWritable());
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        dropWaiting();
        ctx.fireChannelInactive();
    }

    private void dropWaiting() {
        for (int i = waiting.size(); i > 0; i--) {
            tracker.requestDone();
        }
        waiting.clear();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException) {
            failAndClose(ctx, 0, ErrorCode.INVALID_REQUEST, "undecodable frame: " + cause.getMessage());
        } else if (cause instanceof IOException) {
            log.debug("connection {} dropped: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        } else {
            log.warn("closing connection {} after an unexpected error", ctx.channel().remoteAddress(), cause);
            ctx.close();
        }
    }

    private void failAndClose(ChannelHandlerContext ctx, long requestId, ErrorCode code, String message) {
        if (closing) {
            return;
        }
        log.debug("closing connection {}: {} {}", ctx.channel().remoteAddress(), code, message);
        startClosing(ctx, Errors.error(requestId, code, message));
    }

    /**
     * Closes the connection after a request broke the protocol. Requests read before it
     * are still answered; it gets {@code last}, marked {@code connection_closing}; requests
     * read after it are dropped unanswered (the client may resend them elsewhere). Then
     * our side of the connection is shut, so the client reads every reply and then the end
     * of the stream. The client may still be sending (the rest of an oversized frame,
     * pipelined requests), and closing with unread bytes would make the kernel reset the
     * connection and the client lose its replies, so we go on reading and discarding for
     * a short while before closing for good.
     */
    private void startClosing(ChannelHandlerContext ctx, Response last) {
        closing = true;
        dropWaiting();
        updateAutoRead(ctx);
        Response marked = last.hasError()
                ? last.toBuilder().setError(last.getError().toBuilder().setConnectionClosing(true)).build()
                : last;
        lastWrite = ctx.writeAndFlush(marked);
        finishClosingWhenIdle(ctx);
    }

    private void finishClosingWhenIdle(ChannelHandlerContext ctx) {
        if (inFlight > 0 || outputShut) {
            return;
        }
        outputShut = true;
        lastWrite.addListener((ChannelFutureListener) written -> {
            if (written.isSuccess() && ctx.channel() instanceof DuplexChannel duplex) {
                duplex.shutdownOutput();
                ctx.executor().schedule(() -> {
                    ctx.close();
                }, LINGER_MILLIS, TimeUnit.MILLISECONDS);
            } else {
                ctx.close();
            }
        });
    }
}
