package io.murmur.transport;

import io.netty.channel.EventLoopGroup;

import java.util.concurrent.TimeUnit;

/**
 * The event loops a node's client connections and replica connections share
 * ({@code murmur-io-…}). A client's write is stored on the loop that read it, and the copies
 * it sends to the other replicas, the acknowledgements that come back and the reply to the
 * client are written by whichever loop holds their connection: with one set of loops for
 * both kinds of traffic, more of those steps run on the thread already at hand instead of
 * waking another. Whoever starts it closes it, after the listener and the transport that
 * use it.
 */
public final class NetworkLoops implements AutoCloseable {
    private final EventLoops loops;
    private final TransportThreads threads = new TransportThreads("murmur-io");
    private final EventLoopGroup group;

    private NetworkLoops(EventLoops loops, int threadCount) {
        this.loops = loops;
        this.group = loops.newGroup(threadCount, threads);
    }

    /**
     * Starts {@code threadCount} loops of the kind {@code transport} names ({@code auto},
     * {@code epoll} or {@code nio}, see {@link EventLoops#choose}).
     */
    public static NetworkLoops start(String transport, int threadCount) {
        if (threadCount < 1) {
            throw new IllegalArgumentException("threadCount must be at least 1: " + threadCount);
        }
        return new NetworkLoops(EventLoops.choose(transport), threadCount);
    }

    EventLoops loops() {
        return loops;
    }

    EventLoopGroup group() {
        return group;
    }

    TransportThreads threads() {
        return threads;
    }

    /** Ends the loops and waits for their threads; every channel on them should be closed by now. */
    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        threads.join(TimeUnit.SECONDS.toMillis(5));
    }
}
