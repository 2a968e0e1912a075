package io.murmur.client;

import io.murmur.proto.client.Error;
import io.murmur.proto.client.Hello;
import io.murmur.proto.client.Request;
import io.murmur.proto.client.Response;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.util.collection.LongObjectHashMap;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One TCP connection to one node: its handshake, and the requests it carries.
 *
 * <p>Design note: all state except the outbox is confined to the connection's event loop,
 * so nothing here takes a lock. Callers on any thread append to the lock-free outbox and
 * make sure one drain task is scheduled; the drain assigns request ids, writes every
 * waiting request and flushes once. Requests issued from reply callbacks (a closed-loop
 * load) are thereby coalesced into few writes. Requests wait in the outbox until the
 * node's Hello reply has been checked, and a request still in the outbox when the
 * connection fails was never sent, so it may safely go to another host.
 */
final class Connection {
    private enum State { CONNECTING, HANDSHAKING, READY, CLOSED }

    private final Router router;
    private final HostPool host;
    private final EventLoop loop;
    private final Queue<PendingRequest<?>> outbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private volatile State state = State.CONNECTING;
    private volatile MurmurException closeCause;
    private volatile boolean rerouteOnClose;
    /** The node is closing this connection: new requests go elsewhere. */
    private volatile boolean retiring;

    // Confined to the event loop.
    private ChannelFuture connectFuture;
    private Channel channel;
    private long nextRequestId = 1;
    private long helloRequestId;
    private final LongObjectHashMap<PendingRequest<?>> inFlight = new LongObjectHashMap<>();
    private ScheduledFuture<?> handshakeTimer;
    private Error noticeBeforeClose;

    Connection(Router router, HostPool host, EventLoop loop) {
        this.router = router;
        this.host = host;
        this.loop = loop;
    }

    boolean isClosed() {
        return state == State.CLOSED;
    }

    /** Starts connecting; requests submitted meanwhile wait for the handshake. */
    void start() {
        runOnLoop(this::connect);
    }

    /** Queues a request for this connection, from any thread. */
    void submit(PendingRequest<?> request) {
        long remainingNanos = request.deadlineNanos - System.nanoTime();
        if (remainingNanos <= 0) {
            request.fail(timeoutException());
            return;
        }
        if (state == State.CLOSED) {
            router.reroute(request, closeCause);
            return;
        }
        if (retiring) {
            router.resend(request);
            return;
        }
        try {
            request.timer = loop.schedule(() -> onDeadline(request), remainingNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            request.fail(new ConnectionException("client is closed"));
            return;
        }
        outbox.add(request);
        scheduleDrain();
    }

    /** Closes the connection and fails everything it holds with {@code cause}. */
    CompletableFuture<Void> close(MurmurException cause) {
        CompletableFuture<Void> closed = new CompletableFuture<>();
        try {
            loop.execute(() -> {
                closeWith(cause, false);
                Channel ch = channel != null ? channel : connectFuture != null ? connectFuture.channel() : null;
                if (ch == null) {
                    closed.complete(null);
                } else {
                    ch.closeFuture().addListener(f -> closed.complete(null));
                }
            });
        } catch (RejectedExecutionException e) {
            failOutbox(cause);
            closed.complete(null);
        }
        return closed;
    }

    private void connect() {
        if (state == State.CLOSED) {
            return;
        }
        connectFuture = router.bootstrap(loop)
                .handler(new Initializer())
                .connect(host.address().socketAddress());
        connectFuture.addListener((ChannelFutureListener) this::onConnect);
    }

    private void onConnect(ChannelFuture f) {
        if (!loop.inEventLoop()) {
            // Only when the event loop is shutting down: the listener ran elsewhere.
            failOutbox(new ConnectionException("client is closed"));
            return;
        }
        if (!f.isSuccess()) {
            host.markDown();
            Throwable cause = f.cause();
            closeWith(new ConnectionException("cannot connect to " + host + ": " + cause.getMessage(), cause), true);
            return;
        }
        channel = f.channel();
        if (state == State.CLOSED) {
            channel.close();
            return;
        }
        state = State.HANDSHAKING;
        helloRequestId = nextRequestId++;
        Request hello = Request.newBuilder()
                .setRequestId(helloRequestId)
                .setHello(Hello.newBuilder()
                        .setProtocolVersion(Router.PROTOCOL_VERSION)
                        .setClientName(router.clientName()))
                .build();
        channel.writeAndFlush(hello, channel.voidPromise());
        handshakeTimer = loop.schedule(this::onHandshakeDeadline, router.connectTimeoutNanos(), TimeUnit.NANOSECONDS);
    }

    private void onHandshakeDeadline() {
        if (state == State.HANDSHAKING) {
            host.markDown();
            closeWith(new ConnectionException("no Hello reply from " + host + " within "
                    + TimeUnit.NANOSECONDS.toMillis(router.connectTimeoutNanos()) + " ms"), true);
        }
    }

    private void onHelloReply(Response reply) {
        handshakeTimer.cancel(false);
        if (reply.hasError()) {
            closeWith(MurmurException.fromError(reply.getError()), false);
            return;
        }
        if (!reply.hasHello()) {
            closeWith(new ProtocolException("expected a HELLO reply from " + host + ", got "
                    + reply.getResultCase()), false);
            return;
        }
        int version = reply.getHello().getProtocolVersion();
        if (version != Router.PROTOCOL_VERSION) {
            closeWith(new ProtocolException(host + " speaks protocol version " + version
                    + ", this client speaks " + Router.PROTOCOL_VERSION), false);
            return;
        }
        state = State.READY;
        host.markUp();
        drain();
    }

    private void scheduleDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            // Always a task, even on the loop itself: requests made while handling a batch
            // of replies are then written and flushed together after that batch.
            runOnLoop(this::drain);
        }
    }

    private void drain() {
        drainScheduled.set(false);
        State s = state;
        if (s == State.CLOSED) {
            handOffOutbox();
            return;
        }
        if (s != State.READY) {
            return; // the handshake drains when it completes
        }
        if (retiring) {
            PendingRequest<?> unsent;
            while ((unsent = outbox.poll()) != null) {
                router.resend(unsent);
            }
            return;
        }
        boolean wrote = false;
        long now = System.nanoTime();
        PendingRequest<?> request;
        while (channel.isWritable() && (request = outbox.poll()) != null) {
            if (request.future.isDone()) {
                continue; // its deadline passed while it waited
            }
            long id = nextRequestId++;
            inFlight.put(id, request);
            channel.write(request.encodeFor(this, id, now), channel.voidPromise());
            wrote = true;
        }
        if (wrote) {
            channel.flush();
        }
    }

    private void onResponse(Response response) {
        long id = response.getRequestId();
        switch (state) {
            case READY:
                PendingRequest<?> request = inFlight.remove(id);
                if (request != null) {
                    request.complete(response);
                    if (response.hasError() && response.getError().getConnectionClosing()) {
                        retire(id);
                    } else if (retiring && inFlight.isEmpty()) {
                        channel.close();
                    }
                } else if (id == 0 && response.hasError()) {
                    noticeBeforeClose = response.getError();
                }
                // otherwise a late reply to a request whose deadline passed: dropped
                break;
            case HANDSHAKING:
                if (id == helloRequestId) {
                    onHelloReply(response);
                } else if (id == 0 && response.hasError()) {
                    noticeBeforeClose = response.getError();
                }
                break;
            default:
                break;
        }
    }

    /**
     * The node refused request {@code refusedId} and is closing this connection. It still
     * answers what it received before that request and ignores what came after, so those
     * later requests, and any not yet written, go out again on a new connection; this one
     * takes nothing more and closes once its earlier requests are answered.
     */
    private void retire(long refusedId) {
        retiring = true;
        host.release(this);
        List<PendingRequest<?>> ignored = new ArrayList<>();
        for (var e : inFlight.entrySet()) {
            if (e.getKey() > refusedId) {
                ignored.add(e.getValue());
            }
        }
        for (PendingRequest<?> r : ignored) {
            inFlight.remove(r.requestId);
            router.resend(r);
        }
        PendingRequest<?> unsent;
        while ((unsent = outbox.poll()) != null) {
            router.resend(unsent);
        }
        if (inFlight.isEmpty()) {
            channel.close();
        }
    }

    private void onDeadline(PendingRequest<?> request) {
        if (request.future.completeExceptionally(timeoutException())) {
            if (request.connection == this && inFlight.get(request.requestId) == request) {
                inFlight.remove(request.requestId);
            }
        }
    }

    private RequestTimeoutException timeoutException() {
        return new RequestTimeoutException("no reply from " + host + " within "
                + TimeUnit.NANOSECONDS.toMillis(router.requestTimeoutNanos()) + " ms");
    }

    /**
     * Fails the requests in flight and hands the unsent ones on: to another host when
     * {@code reroute}, else they fail with {@code cause} too (the node refused us).
     */
    private void closeWith(MurmurException cause, boolean reroute) {
        if (state == State.CLOSED) {
            return;
        }
        closeCause = cause;
        rerouteOnClose = reroute;
        state = State.CLOSED;
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
        }
        if (!inFlight.isEmpty()) {
            List<PendingRequest<?>> lost = new ArrayList<>(inFlight.values());
            inFlight.clear();
            for (PendingRequest<?> request : lost) {
                request.fail(cause);
            }
        }
        handOffOutbox();
        if (channel != null) {
            channel.close();
        } else if (connectFuture != null) {
            connectFuture.channel().close();
        }
        host.release(this);
        if (reroute && !retiring && !router.isClosed()) {
            router.connectionFailed(host);
        }
    }

    private void handOffOutbox() {
        PendingRequest<?> request;
        while ((request = outbox.poll()) != null) {
            if (request.future.isDone()) {
                continue;
            }
            request.cancelTimer();
            if (rerouteOnClose) {
                router.reroute(request, closeCause);
            } else {
                request.fail(closeCause);
            }
        }
    }

    private void failOutbox(MurmurException cause) {
        PendingRequest<?> request;
        while ((request = outbox.poll()) != null) {
            request.fail(cause);
        }
    }

    private void runOnLoop(Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            failOutbox(new ConnectionException("client is closed"));
        }
    }

    private String describeClose() {
        String message = "connection to " + host + " closed";
        if (noticeBeforeClose != null) {
            message += " after the node reported " + noticeBeforeClose.getCode() + ": " + noticeBeforeClose.getMessage();
        }
        return message;
    }

    private final class Initializer extends ChannelInitializer<Channel> {
        @Override
        protected void initChannel(Channel ch) {
            ChannelPipeline p = ch.pipeline();
            p.addLast("frameDecoder", new LengthFieldBasedFrameDecoder(router.maxFrameBytes(), 0, 4, 0, 4));
            p.addLast("responseDecoder", new ProtobufMessageDecoder<>(Response.parser()));
            p.addLast("framePrepender", new LengthFieldPrepender(4));
            p.addLast("requestEncoder", new ProtobufMessageEncoder());
            p.addLast("connection", new Handler());
        }
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            onResponse((Response) msg);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable() && !outbox.isEmpty()) {
                scheduleDrain();
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closeWith(new ConnectionException(describeClose()), true);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            closeWith(new ConnectionException("connection to " + host + " failed: " + cause, cause), true);
            ctx.close();
        }
    }
}
