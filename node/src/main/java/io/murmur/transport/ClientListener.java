package io.murmur.transport;

import io.murmur.proto.client.ErrorCode;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.protobuf.ProtobufEncoder;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client port: accepts connections and runs the client protocol on each.
 *
 * <p>Pipeline per connection, inbound: 4-byte length framing bounded by
 * {@code maxFrameBytes} ({@link ClientFrameDecoder}: an oversized frame is refused from its
 * first bytes and never buffered), then {@link ClientConnectionHandler}. Outbound: protobuf encoding, the
 * length prefix, and flush consolidation so pipelined replies share syscalls.
 *
 * <p>Shutdown is in steps so nothing acknowledged is cut off: {@link #stopAccepting()},
 * then {@link #drain(Duration)} (stop reading, wait until every request already read has
 * been answered), then {@link #close()}.
 */
public final class ClientListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClientListener.class);

    /** Settings of the client port. */
    public record Settings(String host, int port, int maxFrameBytes, int maxInFlightPerConnection,
                           int maxConnections, int writeBufferHighWaterBytes) {
    }

    /** Counts requests read but not yet answered, across connections, for draining. */
    static final class Tracker {
        private final AtomicInteger pending = new AtomicInteger();
        private volatile boolean draining;

        void requestQueued() {
            pending.incrementAndGet();
        }

        void requestDone() {
            pending.decrementAndGet();
        }

        boolean draining() {
            return draining;
        }

        int pending() {
            return pending.get();
        }
    }

    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    /** Whether closing ends {@link #workerGroup} (false when it is a node's shared {@link NetworkLoops}). */
    private final boolean ownsWorkers;
    private final ChannelGroup connections = new DefaultChannelGroup("client-connections", GlobalEventExecutor.INSTANCE);
    private final Tracker tracker = new Tracker();
    private final Channel serverChannel;
    private final String transportName;

    private ClientListener(EventLoops loops, EventLoopGroup bossGroup, EventLoopGroup workerGroup, boolean ownsWorkers,
                           Settings settings, RequestDispatcher dispatcher) throws InterruptedException {
        this.bossGroup = bossGroup;
        this.workerGroup = workerGroup;
        this.ownsWorkers = ownsWorkers;
        this.transportName = loops.name();
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(loops.serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(
                        settings.writeBufferHighWaterBytes() / 2, settings.writeBufferHighWaterBytes()))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (connections.size() >= settings.maxConnections()) {
                            log.warn("refusing connection from {}: {} connections open (limits.max_connections)",
                                    ch.remoteAddress(), connections.size());
                            ch.pipeline().addLast(new ProtobufEncoder());
                            ch.pipeline().addFirst(new LengthFieldPrepender(4));
                            ch.writeAndFlush(Errors.error(0, ErrorCode.RATE_LIMITED,
                                            "too many connections (limit " + settings.maxConnections() + ")"))
                                    .addListener(ChannelFutureListener.CLOSE);
                            return;
                        }
                        connections.add(ch);
                        ChannelPipeline p = ch.pipeline();
                        p.addLast("flush", new FlushConsolidationHandler(256, true));
                        p.addLast("prepender", new LengthFieldPrepender(4));
                        p.addLast("encoder", new ProtobufEncoder());
                        p.addLast("framer", new ClientFrameDecoder(settings.maxFrameBytes()));
                        p.addLast("handler", new ClientConnectionHandler(
                                dispatcher, settings.maxInFlightPerConnection(), tracker));
                    }
                });
        this.serverChannel = bootstrap.bind(settings.host(), settings.port()).sync().channel();
    }

    /**
     * Binds the client port and starts serving.
     *
     * @param ioThreads event-loop threads for connections
     * @param transport {@code auto}, {@code epoll} or {@code nio} (see {@link EventLoops#choose})
     */
    public static ClientListener start(Settings settings, int ioThreads, String transport,
                                       RequestDispatcher dispatcher) throws InterruptedException {
        EventLoops loops = EventLoops.choose(transport);
        EventLoopGroup boss = loops.newGroup(1, "murmur-accept");
        EventLoopGroup workers = loops.newGroup(ioThreads, "murmur-client-io");
        try {
            return new ClientListener(loops, boss, workers, true, settings, dispatcher);
        } catch (InterruptedException | RuntimeException e) {
            boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    /**
     * Binds the client port and serves its connections on {@code shared}, which it leaves
     * running when it closes.
     */
    public static ClientListener start(Settings settings, NetworkLoops shared, RequestDispatcher dispatcher)
            throws InterruptedException {
        EventLoopGroup boss = shared.loops().newGroup(1, "murmur-accept");
        try {
            return new ClientListener(shared.loops(), boss, shared.group(), false, settings, dispatcher);
        } catch (InterruptedException | RuntimeException e) {
            boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    /** The address actually bound (the port is real even when 0 was asked for). */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** "epoll" or "nio". */
    public String transportName() {
        return transportName;
    }

    public int openConnections() {
        return connections.size();
    }

    /** Stops accepting new connections; open ones keep being served. */
    public void stopAccepting() {
        serverChannel.close().syncUninterruptibly();
    }

    /**
     * Stops reading from every connection and waits until each request already read has
     * been answered, or {@code timeout} passes. Returns whether everything was answered.
     */
    public boolean drain(Duration timeout) throws InterruptedException {
        tracker.draining = true;
        for (Channel ch : connections) {
            ch.eventLoop().execute(() -> ch.config().setAutoRead(false));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (tracker.pending() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        int left = tracker.pending();
        if (left > 0) {
            log.warn("shutdown drain timed out with {} requests unanswered", left);
        }
        return left == 0;
    }

    /** Closes every connection and releases the event loops. */
    @Override
    public void close() {
        if (serverChannel.isOpen()) {
            serverChannel.close().syncUninterruptibly();
        }
        connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        if (ownsWorkers) {
            workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
