package io.murmur.client;

import io.murmur.proto.client.ClusterInfo;
import io.murmur.proto.client.ClusterInfoRequest;
import io.murmur.proto.client.Request;
import io.murmur.proto.client.Response;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Chooses a host for each request, moves requests that never reached a node on to another
 * host, and (with smart routing) keeps a view of the cluster to send keyed requests
 * straight to a replica.
 *
 * <p>Design notes.
 * <ul>
 * <li><b>Round-robin.</b> Without a usable view, hosts are taken round-robin, skipping
 * hosts whose last connect failed within the reconnect backoff (unless every host left is
 * in that state). A request is tried on each host at most once, and only while it has not
 * been written: once sent, a lost connection fails it, because a write may already have
 * been applied and retrying it is the caller's decision.</li>
 * <li><b>Smart routing.</b> The router asks a node for {@code ClusterInfo} at start, every
 * refresh interval, and soon after a connection fails, and rebuilds the ring from the
 * members ({@link ClusterView}). A read goes to one of the key's ALIVE replicas, rotating
 * so that no replica is every read's hot spot; a write goes to the first ALIVE replica,
 * since the node coordinating a write must be one. A replica that cannot be reached is
 * passed over for the next, then for round-robin over every host known: the configured
 * ones and the ALIVE members learned. Members learned become hosts with their own lazily
 * opened connections.</li>
 * <li><b>Admin requests</b> (ping, cluster info, vnodes, leave, repair) are about "the node that
 * answers", so they go round-robin over the configured hosts only.</li>
 * </ul>
 */
final class Router {
    static final int PROTOCOL_VERSION = 1;
    /** A failed connection asks for a refresh at most this often. */
    private static final long FAILURE_REFRESH_GAP_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** A view and the pools of its members, swapped together. */
    private record Topology(ClusterView view, Map<String, HostPool> poolOf, List<HostPool> any) {
    }

    private final List<HostPool> configured;
    private final Map<String, HostPool> pools = new ConcurrentHashMap<>();
    private final int connectionsPerHost;
    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final Bootstrap bootstrap;
    private final long requestTimeoutNanos;
    private final long connectTimeoutNanos;
    private final long reconnectBackoffNanos;
    private final int maxFrameBytes;
    private final String clientName;
    private final boolean smart;
    private final int replicationFactor;
    private final long refreshIntervalNanos;
    private final AtomicInteger nextConfigured = new AtomicInteger();
    private final AtomicInteger nextAny = new AtomicInteger();
    private final AtomicInteger nextRead = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private final AtomicBoolean refreshScheduled = new AtomicBoolean();
    private final AtomicBoolean failureRefreshArmed = new AtomicBoolean(true);
    private final AtomicLong refreshes = new AtomicLong();
    private volatile Topology topology;
    private volatile long lastRefreshNanos;
    private volatile ScheduledFuture<?> refreshTask;

    Router(List<HostAddress> addresses, int connectionsPerHost, EventLoopGroup group, boolean ownsGroup,
           long requestTimeoutNanos, long connectTimeoutNanos, long reconnectBackoffNanos,
           int maxFrameBytes, String clientName, boolean smart, int replicationFactor, long refreshIntervalNanos) {
        this.connectionsPerHost = connectionsPerHost;
        this.group = group;
        this.ownsGroup = ownsGroup;
        this.requestTimeoutNanos = requestTimeoutNanos;
        this.connectTimeoutNanos = connectTimeoutNanos;
        this.reconnectBackoffNanos = reconnectBackoffNanos;
        this.maxFrameBytes = maxFrameBytes;
        this.clientName = clientName;
        this.smart = smart;
        this.replicationFactor = replicationFactor;
        this.refreshIntervalNanos = refreshIntervalNanos;
        this.lastRefreshNanos = System.nanoTime() - FAILURE_REFRESH_GAP_NANOS;
        List<HostPool> given = new ArrayList<>(addresses.size());
        for (HostAddress address : addresses) {
            HostPool pool = pool(address);
            if (!containsPool(given, pool)) {
                given.add(pool);
            }
        }
        this.configured = List.copyOf(given);
        this.topology = new Topology(ClusterView.UNKNOWN, Map.of(), configured);
        this.bootstrap = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        (int) Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(connectTimeoutNanos)))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true);
    }

    /**
     * With smart routing, asks for the cluster's members now (without waiting for them:
     * requests go round-robin until they arrive) and then every refresh interval.
     */
    void start() {
        if (!smart) {
            return;
        }
        refresh();
        try {
            refreshTask = group.next().scheduleAtFixedRate(this::refresh,
                    refreshIntervalNanos, refreshIntervalNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // the caller's group is shutting down: no periodic refresh, requests will fail anyway
        }
    }

    /** A request about the node that answers: round-robin over the configured hosts. */
    <T> CompletableFuture<T> submit(Request.Builder request, Response.ResultCase expected, ResponseMapper<T> mapper) {
        return submit(request, Route.CONFIGURED, null, expected, mapper);
    }

    <T> CompletableFuture<T> submit(Request.Builder request, Route route, byte[] key,
                                    Response.ResultCase expected, ResponseMapper<T> mapper) {
        PendingRequest<T> pending = new PendingRequest<>(request, route, key, expected, mapper,
                System.nanoTime() + requestTimeoutNanos);
        dispatch(pending, null);
        return pending.future;
    }

    /** Hands the request to the next host it may go to; {@code cause} is why the last one failed. */
    private void dispatch(PendingRequest<?> request, MurmurException cause) {
        if (closed.get()) {
            request.fail(new ConnectionException("client is closed"));
            return;
        }
        HostPool host = chooseHost(request);
        if (host == null) {
            request.fail(cause == null ? new ConnectionException("no host to send the request to")
                    : request.attempts == 1 ? cause
                    : new ConnectionException("no host could take the request (tried " + request.attempts
                            + "); last: " + cause.getMessage(), cause));
            return;
        }
        request.attempts++;
        request.tried.add(host);
        host.acquire().submit(request);
    }

    /**
     * A request the node never processed, from a connection it is closing: send it again
     * on another connection (possibly of the same host). Not counted as an attempt, since
     * the node said it ignored the request.
     */
    void resend(PendingRequest<?> request) {
        if (request.future.isDone()) {
            return;
        }
        request.cancelTimer();
        request.attempts--;
        if (!request.tried.isEmpty()) {
            request.tried.remove(request.tried.size() - 1);
        }
        dispatch(request, null);
    }

    /** A request that was never sent lost its connection: try another host, if any is left. */
    void reroute(PendingRequest<?> request, MurmurException cause) {
        if (request.future.isDone()) {
            return;
        }
        request.cancelTimer();
        dispatch(request, cause);
    }

    /**
     * A connection to {@code host} failed or was lost, perhaps because its node stopped:
     * with smart routing, ask for the members again, at once or, when the last request
     * for them went out less than a second ago, a second after it. Once only until a reply
     * arrives: when every host is unreachable, the periodic refresh is enough.
     */
    void connectionFailed(HostPool host) {
        if (!smart || closed.get() || !failureRefreshArmed.compareAndSet(true, false)) {
            return;
        }
        long wait = FAILURE_REFRESH_GAP_NANOS - (System.nanoTime() - lastRefreshNanos);
        if (wait <= 0) {
            refresh();
        } else if (refreshScheduled.compareAndSet(false, true)) {
            try {
                group.next().schedule(() -> {
                    refreshScheduled.set(false);
                    refresh();
                }, wait, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                refreshScheduled.set(false);
            }
        }
    }

    /** The host for the request's next attempt; null when it was tried on every host it may go to. */
    private HostPool chooseHost(PendingRequest<?> request) {
        long now = System.nanoTime();
        Topology t = topology;
        if (smart && request.key != null && (request.route == Route.READ || request.route == Route.WRITE)) {
            int spin = request.route == Route.READ ? nextRead.getAndIncrement() : 0;
            for (String id : t.view().replicasFor(request.key, spin)) {
                HostPool p = t.poolOf().get(id);
                if (p != null && !request.triedOn(p) && !p.isDown(now)) {
                    return p;
                }
            }
        }
        if (!smart || request.route == Route.CONFIGURED) {
            return roundRobin(configured, nextConfigured, request, now);
        }
        return roundRobin(t.any(), nextAny, request, now);
    }

    private static HostPool roundRobin(List<HostPool> hosts, AtomicInteger next, PendingRequest<?> request, long now) {
        int n = hosts.size();
        int start = n == 1 ? 0 : Math.floorMod(next.getAndIncrement(), n);
        HostPool downButUntried = null;
        for (int k = 0; k < n; k++) {
            HostPool candidate = hosts.get((start + k) % n);
            if (request.triedOn(candidate)) {
                continue;
            }
            if (!candidate.isDown(now)) {
                return candidate;
            }
            if (downButUntried == null) {
                downButUntried = candidate;
            }
        }
        return downButUntried;
    }

    // ---------------------------------------------------------------- cluster view

    /** Asks some known host for the members, unless a refresh is under way. */
    void refresh() {
        if (!smart || closed.get() || !refreshing.compareAndSet(false, true)) {
            return;
        }
        lastRefreshNanos = System.nanoTime();
        CompletableFuture<ClusterInfo> info;
        try {
            info = submit(Request.newBuilder().setClusterInfo(ClusterInfoRequest.getDefaultInstance()),
                    Route.ANY, null, Response.ResultCase.CLUSTER_INFO, (response, rtt) -> response.getClusterInfo());
        } catch (RuntimeException e) {
            refreshing.set(false);
            return;
        }
        info.whenComplete((reply, failure) -> {
            try {
                if (reply != null && !closed.get()) {
                    install(reply);
                }
            } catch (RuntimeException e) {
                // a reply the view cannot use: keep the previous view
            } finally {
                refreshing.set(false);
            }
        });
    }

    /** Makes {@code info} the view requests are routed by. */
    void install(ClusterInfo info) {
        ClusterView view = ClusterView.from(info, replicationFactor, topology.view());
        Map<String, HostPool> poolOf = new HashMap<>();
        for (ClusterView.Node n : view.nodes().values()) {
            if (n.address() != null && !n.left()) {
                poolOf.put(n.nodeId(), pool(n.address()));
            }
        }
        List<HostPool> any = new ArrayList<>(configured);
        for (ClusterView.Node n : view.reachable()) {
            HostPool p = poolOf.get(n.nodeId());
            if (p != null && !containsPool(any, p)) {
                any.add(p);
            }
        }
        topology = new Topology(view, Map.copyOf(poolOf), List.copyOf(any));
        refreshes.incrementAndGet();
        failureRefreshArmed.set(true);
    }

    private HostPool pool(HostAddress address) {
        return pools.computeIfAbsent(address.toString(), k -> new HostPool(this, address, connectionsPerHost));
    }

    private static boolean containsPool(List<HostPool> list, HostPool pool) {
        for (HostPool p : list) {
            if (p == pool) {
                return true;
            }
        }
        return false;
    }

    /** The view requests are routed by now. */
    ClusterView view() {
        return topology.view();
    }

    /** How many ClusterInfo replies were installed. */
    long refreshCount() {
        return refreshes.get();
    }

    /** Every host requests may go to now, configured first, as {@code host:port}. */
    List<String> knownHosts() {
        List<String> out = new ArrayList<>();
        for (HostPool p : topology.any()) {
            out.add(p.address().toString());
        }
        return out;
    }

    /**
     * The node a read ({@code read}) or write of {@code key} would be sent to first, by
     * the current view; null when it would go round-robin. For tests and diagnostics.
     */
    String firstChoiceFor(byte[] key, boolean read) {
        if (!smart) {
            return null;
        }
        Topology t = topology;
        long now = System.nanoTime();
        for (String id : t.view().replicasFor(key, read ? nextRead.get() : 0)) {
            HostPool p = t.poolOf().get(id);
            if (p != null && !p.isDown(now)) {
                return id;
            }
        }
        return null;
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
        ScheduledFuture<?> task = refreshTask;
        if (task != null) {
            task.cancel(false);
        }
        ConnectionException cause = new ConnectionException("client is closed");
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (HostPool host : pools.values()) {
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
