package io.murmur.client;

import io.murmur.proto.client.Request;
import io.murmur.proto.client.Response;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Chooses a host for each request and moves requests that never reached a node on to the
 * next host.
 *
 * <p>Design note: hosts are taken round-robin, skipping hosts whose last connect failed
 * within the reconnect backoff (unless every host is in that state). A request is tried on
 * at most as many hosts as there are, and only while it has not been written: once sent,
 * a lost connection fails it, because a write may already have been applied and retrying
 * it is the caller's decision.
 */
final class Router {
    static final int PROTOCOL_VERSION = 1;

    private final List<HostPool> hosts;
    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final Bootstrap bootstrap;
    private final long requestTimeoutNanos;
    private final long connectTimeoutNanos;
    private final long reconnectBackoffNanos;
    private final int maxFrameBytes;
    private final String clientName;
    private final AtomicInteger nextHost = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();

    Router(List<HostAddress> addresses, int connectionsPerHost, EventLoopGroup group, boolean ownsGroup,
           long requestTimeoutNanos, long connectTimeoutNanos, long reconnectBackoffNanos,
           int maxFrameBytes, String clientName) {
        this.group = group;
        this.ownsGroup = ownsGroup;
        this.requestTimeoutNanos = requestTimeoutNanos;
        this.connectTimeoutNanos = connectTimeoutNanos;
        this.reconnectBackoffNanos = reconnectBackoffNanos;
        this.maxFrameBytes = maxFrameBytes;
        this.clientName = clientName;
        List<HostPool> pools = new ArrayList<>(addresses.size());
        for (int i = 0; i < addresses.size(); i++) {
            pools.add(new HostPool(this, addresses.get(i), i, connectionsPerHost));
        }
        this.hosts = List.copyOf(pools);
        this.bootstrap = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        (int) Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(connectTimeoutNanos)))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true);
    }

    <T> CompletableFuture<T> submit(Request.Builder request, Response.ResultCase expected, ResponseMapper<T> mapper) {
        PendingRequest<T> pending = new PendingRequest<>(request, expected, mapper,
                System.nanoTime() + requestTimeoutNanos);
        dispatch(pending);
        return pending.future;
    }

    private void dispatch(PendingRequest<?> request) {
        if (closed.get()) {
            request.fail(new ConnectionException("client is closed"));
            return;
        }
        HostPool host = chooseHost(request.lastHostIndex);
        request.attempts++;
        request.lastHostIndex = host.index();
        host.acquire().submit(request);
    }

    /**
     * A request the node never processed, from a connection it is closing: send it again
     * on another connection (of the same host, when it is the only one). Not counted as
     * an attempt, since the node said it ignored the request.
     */
    void resend(PendingRequest<?> request) {
        if (request.future.isDone()) {
            return;
        }
        request.cancelTimer();
        request.attempts--;
        request.lastHostIndex = -1;
        dispatch(request);
    }

    /** A request that was never sent lost its connection: try the next host, if any is left. */
    void reroute(PendingRequest<?> request, MurmurException cause) {
        if (request.future.isDone()) {
            return;
        }
        request.cancelTimer();
        if (request.attempts >= hosts.size()) {
            request.fail(request.attempts == 1 ? cause : new ConnectionException(
                    "no host could take the request (tried " + request.attempts + "); last: " + cause.getMessage(),
                    cause));
            return;
        }
        dispatch(request);
    }

    private HostPool chooseHost(int previousIndex) {
        int n = hosts.size();
        if (n == 1) {
            return hosts.get(0);
        }
        int start = previousIndex < 0 ? Math.floorMod(nextHost.getAndIncrement(), n) : (previousIndex + 1) % n;
        long now = System.nanoTime();
        for (int k = 0; k < n; k++) {
            HostPool candidate = hosts.get((start + k) % n);
            if (!candidate.isDown(now)) {
                return candidate;
            }
        }
        return hosts.get(start);
    }

    Bootstrap bootstrap(EventLoop loop) {
        return bootstrap.clone(loop);
    }

    EventLoop nextLoop() {
        return group.next();
    }

    boolean isClosed() {
        return closed.get();
    }

    long requestTimeoutNanos() {
        return requestTimeoutNanos;
    }

    long connectTimeoutNanos() {
        return connectTimeoutNanos;
    }

    long reconnectBackoffNanos() {
        return reconnectBackoffNanos;
    }

    int maxFrameBytes() {
        return maxFrameBytes;
    }

    String clientName() {
        return clientName;
    }

    /**
     * Closes every connection, failing what they hold, then stops the event loops if this
     * client created them. Bounded: a wedged loop cannot make close() hang.
     */
    void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        ConnectionException cause = new ConnectionException("client is closed");
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (HostPool host : hosts) {
            closing.addAll(host.closeAll(cause));
        }
        try {
            CompletableFuture.allOf(closing.toArray(new CompletableFuture<?>[0])).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            // best effort: shutting the loops down closes whatever is left
        }
        if (ownsGroup) {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }
}
