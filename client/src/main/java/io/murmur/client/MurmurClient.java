package io.murmur.client;

import com.google.protobuf.ByteString;
import io.murmur.proto.client.ClusterInfo;
import io.murmur.proto.client.SetVnodes;
import io.murmur.proto.client.SetVnodesReply;
import io.murmur.proto.client.ClusterInfoRequest;
import io.murmur.proto.client.Leave;
import io.murmur.proto.client.Delete;
import io.murmur.proto.client.Get;
import io.murmur.proto.client.Ping;
import io.murmur.proto.client.Put;
import io.murmur.proto.client.Repair;
import io.murmur.proto.client.Request;
import io.murmur.proto.client.Response;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The asynchronous Murmur client. Thread-safe; build one per application and share it.
 *
 * <pre>{@code
 * try (MurmurClient client = MurmurClient.builder().hosts("10.0.0.1:7070", "10.0.0.2:7070").build()) {
 *     GetResult r = client.get("k").join();
 *     client.put("k", "v", r.context()).join();
 * }
 * }</pre>
 *
 * <p>Design note: any node coordinates any request, but a replica of the key saves a hop,
 * so by default the client learns the cluster's members from the hosts it was given
 * ({@code ClusterInfo}, refreshed every few seconds and after a connection fails),
 * rebuilds the ring, and sends a read to one of the key's ALIVE replicas (rotating among
 * them) and a write to its first ALIVE replica. Until it knows the ring, and whenever no
 * replica can be reached, it spreads requests round-robin over every host it knows
 * ({@link Builder#smartRouting(boolean) smartRouting(false)}: over the given hosts only,
 * always). Requests are pipelined on a few persistent connections per host (matched to
 * replies by {@code request_id}), opened when first needed, instead of a connection per
 * request. Every returned future completes: with the reply, with the
 * node's error as a {@link MurmurException} subclass, with {@link ConnectionException}
 * when its connection is lost, or with {@link RequestTimeoutException} at its deadline.
 * Futures complete on the client's I/O threads; move heavy work off them with the
 * {@code *Async} variants of {@code CompletableFuture}.
 */
public final class MurmurClient implements AutoCloseable {
    /** The client protocol version this client speaks in its Hello. */
    public static final int PROTOCOL_VERSION = Router.PROTOCOL_VERSION;

    private final Router router;
    private final BlockingMurmurClient blocking;

    private MurmurClient(Router router) {
        this.router = router;
        this.blocking = new BlockingMurmurClient(this);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A synchronous view of this client; closing this client closes the view too. */
    public BlockingMurmurClient blocking() {
        return blocking;
    }

    public CompletableFuture<GetResult> get(byte[] key) {
        return get(key, GetOptions.DEFAULT);
    }

    /** Reads every current sibling of {@code key} and a causal context covering them. */
    public CompletableFuture<GetResult> get(byte[] key, GetOptions options) {
        Get.Builder get = Get.newBuilder().setKey(ByteString.copyFrom(key));
        options.r().ifPresent(get::setR);
        if (options.verbose()) {
            get.setVerbose(true);
        }
        return router.submit(Request.newBuilder().setGet(get), Route.READ, key, Response.ResultCase.GET,
                (response, rtt) -> GetResult.from(response.getGet()));
    }

    public CompletableFuture<GetResult> get(String key) {
        return get(utf8(key), GetOptions.DEFAULT);
    }

    public CompletableFuture<GetResult> get(String key, GetOptions options) {
        return get(utf8(key), options);
    }

    /** Writes without a context: the value becomes a sibling of whatever the key holds. */
    public CompletableFuture<CausalContext> put(byte[] key, byte[] value) {
        return put(key, value, CausalContext.EMPTY, PutOptions.DEFAULT);
    }

    public CompletableFuture<CausalContext> put(byte[] key, byte[] value, CausalContext context) {
        return put(key, value, context, PutOptions.DEFAULT);
    }

    /**
     * Writes {@code value}, superseding every version {@code context} covers ({@code null}
     * means {@link CausalContext#EMPTY}); completes with the new version's context.
     */
    public CompletableFuture<CausalContext> put(byte[] key, byte[] value, CausalContext context, PutOptions options) {
        Put.Builder put = Put.newBuilder()
                .setKey(ByteString.copyFrom(key))
                .setValue(ByteString.copyFrom(value))
                .setContext(orEmpty(context).bytes());
        options.w().ifPresent(put::setW);
        return router.submit(Request.newBuilder().setPut(put), Route.WRITE, key, Response.ResultCase.PUT,
                (response, rtt) -> CausalContext.of(response.getPut().getContext()));
    }

    public CompletableFuture<CausalContext> put(String key, String value) {
        return put(utf8(key), utf8(value), CausalContext.EMPTY, PutOptions.DEFAULT);
    }

    public CompletableFuture<CausalContext> put(String key, String value, CausalContext context) {
        return put(utf8(key), utf8(value), context, PutOptions.DEFAULT);
    }

    public CompletableFuture<CausalContext> put(String key, String value, CausalContext context, PutOptions options) {
        return put(utf8(key), utf8(value), context, options);
    }

    public CompletableFuture<CausalContext> delete(byte[] key) {
        return delete(key, CausalContext.EMPTY, PutOptions.DEFAULT);
    }

    public CompletableFuture<CausalContext> delete(byte[] key, CausalContext context) {
        return delete(key, context, PutOptions.DEFAULT);
    }

    /**
     * Writes a tombstone superseding what {@code context} covers ({@code null} means
     * {@link CausalContext#EMPTY}); completes with the tombstone's context.
     */
    public CompletableFuture<CausalContext> delete(byte[] key, CausalContext context, PutOptions options) {
        Delete.Builder delete = Delete.newBuilder()
                .setKey(ByteString.copyFrom(key))
                .setContext(orEmpty(context).bytes());
        options.w().ifPresent(delete::setW);
        return router.submit(Request.newBuilder().setDelete(delete), Route.WRITE, key, Response.ResultCase.DELETE,
                (response, rtt) -> CausalContext.of(response.getDelete().getContext()));
    }

    public CompletableFuture<CausalContext> delete(String key) {
        return delete(utf8(key), CausalContext.EMPTY, PutOptions.DEFAULT);
    }

    public CompletableFuture<CausalContext> delete(String key, CausalContext context) {
        return delete(utf8(key), context, PutOptions.DEFAULT);
    }

    public CompletableFuture<CausalContext> delete(String key, CausalContext context, PutOptions options) {
        return delete(utf8(key), context, options);
    }

    /**
     * Round trip to a node (one of the configured hosts); completes with the time from writing the ping to reading the
     * pong (connection setup excluded).
     */
    public CompletableFuture<Duration> ping() {
        return router.submit(Request.newBuilder().setPing(Ping.getDefaultInstance()), Response.ResultCase.PONG,
                (response, rtt) -> Duration.ofNanos(rtt));
    }

    /** Members and identity of the cluster, as the answering node (a configured host) sees them. */
    public CompletableFuture<ClusterInfo> clusterInfo() {
        return router.submit(Request.newBuilder().setClusterInfo(ClusterInfoRequest.getDefaultInstance()),
                Response.ResultCase.CLUSTER_INFO, (response, rtt) -> response.getClusterInfo());
    }

    /**
     * Admin: sets the vnode count of the node that answers (use a client with one host).
     * The reply says how much of the token space changed hands.
     */
    public CompletableFuture<SetVnodesReply> setVnodes(int vnodes) {
        return router.submit(Request.newBuilder().setSetVnodes(SetVnodes.newBuilder().setVnodes(vnodes)),
                Response.ResultCase.SET_VNODES, (response, rtt) -> response.getSetVnodes());
    }

    /**
     * Admin: asks the node that answers (use a client with one host) to leave the cluster.
     * Completes once the node has announced LEFT; it stops shortly after.
     */
    public CompletableFuture<Void> leave() {
        return router.submit(Request.newBuilder().setLeave(Leave.getDefaultInstance()),
                Response.ResultCase.LEAVE, (response, rtt) -> null);
    }

    /**
     * Admin: starts an anti-entropy repair of every range the node that answers replicates
     * (use a client with one host), with every other replica of each. Completes at once
     * with the job just started; follow it with {@link #repairStatus()}. Fails with
     * {@link RateLimitedException} while a repair runs on the node already,
     * {@link UnavailableException} before the node knows the ring, and
     * {@link InvalidRequestException} when anti-entropy is off on it.
     */
    public CompletableFuture<RepairProgress> repair() {
        return repair(Repair.getDefaultInstance());
    }

    /**
     * Admin: as {@link #repair()}, for the node's ranges that overlap the token range
     * {@code (start, end]} only ({@code start == end}: the whole ring).
     */
    public CompletableFuture<RepairProgress> repair(long start, long end) {
        return repair(Repair.newBuilder().setHasRange(true).setStart(start).setEnd(end).build());
    }

    private CompletableFuture<RepairProgress> repair(Repair repair) {
        return router.submit(Request.newBuilder().setRepair(repair), Response.ResultCase.REPAIR,
                (response, rtt) -> RepairProgress.from(response.getRepair().getJob()));
    }

    /** Admin: the answering node's current or last on-demand repair, and its anti-entropy counters. */
    public CompletableFuture<RepairStatus> repairStatus() {
        return router.submit(Request.newBuilder().setRepairStatus(io.murmur.proto.client.RepairStatus.getDefaultInstance()),
                Response.ResultCase.REPAIR_STATUS, (response, rtt) -> RepairStatus.from(response.getRepairStatus()));
    }

    /** The router, for tests in this package that check where requests go. */
    Router router() {
        return router;
    }

    /**
     * Closes every connection (their pending requests fail with {@link ConnectionException})
     * and stops the I/O threads if the client created them. Idempotent.
     */
    @Override
    public void close() {
        router.close();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static CausalContext orEmpty(CausalContext context) {
        return context == null ? CausalContext.EMPTY : context;
    }

    /** Configures a {@link MurmurClient}. Every setting has a default except the hosts. */
    public static final class Builder {
        /** Default port when a host is given without one. */
        public static final int DEFAULT_PORT = HostAddress.DEFAULT_PORT;

        private final List<String> hosts = new ArrayList<>();
        private Duration requestTimeout = Duration.ofSeconds(5);
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration reconnectBackoff = Duration.ofSeconds(1);
        private int connectionsPerHost = 1;
        private int maxFrameBytes = 16 * 1024 * 1024;
        private int ioThreads;
        private EventLoopGroup eventLoopGroup;
        private String clientName = "murmur-java";
        private boolean smartRouting = true;
        private int replicationFactor = 3;
        private Duration refreshInterval = Duration.ofSeconds(5);

        private Builder() {
        }

        /**
         * Nodes to send to, as {@code host:port} ({@code [v6]:port}; port defaults to 7070).
         * With smart routing these are where the client learns the cluster from, and one
         * is enough; admin requests (ping, cluster info, vnodes, leave, repair) go to these only.
         */
        public Builder hosts(String... hosts) {
            return hosts(Arrays.asList(hosts));
        }

        public Builder hosts(Collection<String> hosts) {
            this.hosts.addAll(hosts);
            return this;
        }

        /**
         * How long a request may take from the call to its reply, connecting included.
         * Default 5 s: well above a node's own quorum deadline, so that the node's TIMEOUT
         * (which says how many replicas acknowledged) normally arrives first.
         */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive(timeout, "requestTimeout");
            return this;
        }

        /** Bound on a TCP connect and, separately, on the Hello exchange after it. Default 2 s. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /**
         * After a failed connect, other hosts are preferred for this long. Default 1 s:
         * long enough not to hammer a dead node with one connect per request, short
         * enough to notice its return quickly.
         */
        public Builder reconnectBackoff(Duration backoff) {
            this.reconnectBackoff = Objects.requireNonNull(backoff, "reconnectBackoff");
            return this;
        }

        /**
         * Persistent connections per host, used round-robin. Default 1: one pipelined
         * connection carries tens of thousands of requests per second; more help only
         * when one I/O thread per connection is the bottleneck.
         */
        public Builder connectionsPerHost(int connections) {
            if (connections < 1) {
                throw new IllegalArgumentException("connectionsPerHost must be at least 1: " + connections);
            }
            this.connectionsPerHost = connections;
            return this;
        }

        /** Largest reply frame accepted; a larger one closes the connection. Default 16 MiB. */
        public Builder maxFrameBytes(int bytes) {
            if (bytes < 64) {
                throw new IllegalArgumentException("maxFrameBytes must be at least 64: " + bytes);
            }
            this.maxFrameBytes = bytes;
            return this;
        }

        /**
         * I/O threads of the client's own event loop group. Default: one per connection
         * (hosts × connectionsPerHost; with smart routing, which learns more hosts, at
         * least 4), capped at the number of processors.
         */
        public Builder ioThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("ioThreads must be at least 1: " + threads);
            }
            this.ioThreads = threads;
            return this;
        }

        /**
         * Runs on the caller's NIO event loop group instead of creating one; the client
         * then leaves the group running when it closes.
         */
        public Builder eventLoopGroup(EventLoopGroup group) {
            this.eventLoopGroup = Objects.requireNonNull(group, "eventLoopGroup");
            return this;
        }

        /**
         * Whether to learn the cluster's members and send each get, put and delete straight
         * to a replica of its key (default true). When false, every request goes
         * round-robin over the configured hosts, which then coordinate for the others.
         */
        public Builder smartRouting(boolean enabled) {
            this.smartRouting = enabled;
            return this;
        }

        /**
         * Replicas per key, for clusters that do not report theirs in {@code ClusterInfo}
         * (nodes do since replication): smart routing looks for a live replica among the
         * first this many nodes of a key's preference list. Default 3; more than the
         * cluster has means every member.
         */
        public Builder replicationFactor(int replicas) {
            if (replicas < 1) {
                throw new IllegalArgumentException("replicationFactor must be at least 1: " + replicas);
            }
            this.replicationFactor = replicas;
            return this;
        }

        /**
         * How often smart routing asks for the members again (default 5 s); it also asks
         * soon after a connection fails.
         */
        public Builder refreshInterval(Duration interval) {
            this.refreshInterval = positive(interval, "refreshInterval");
            return this;
        }

        /** Sent in the Hello, for the node's logs. */
        public Builder clientName(String name) {
            this.clientName = Objects.requireNonNull(name, "clientName");
            return this;
        }

        /** @throws IllegalArgumentException if no host was given or a host does not parse */
        public MurmurClient build() {
            if (hosts.isEmpty()) {
                throw new IllegalArgumentException("at least one host is required");
            }
            List<HostAddress> addresses = new ArrayList<>(hosts.size());
            for (String host : hosts) {
                addresses.add(HostAddress.parse(host));
            }
            EventLoopGroup group = eventLoopGroup;
            boolean owns = group == null;
            if (owns) {
                int connections = addresses.size() * connectionsPerHost;
                if (smartRouting) {
                    connections = Math.max(connections, 4);
                }
                int threads = ioThreads > 0 ? ioThreads
                        : Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), connections));
                group = new MultiThreadIoEventLoopGroup(threads,
                        new DefaultThreadFactory("murmur-client", true), NioIoHandler.newFactory());
            }
            Router router = new Router(addresses, connectionsPerHost, group, owns,
                    requestTimeout.toNanos(), connectTimeout.toNanos(), reconnectBackoff.toNanos(),
                    maxFrameBytes, clientName, smartRouting, replicationFactor, refreshInterval.toNanos());
            router.start();
            return new MurmurClient(router);
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive: " + d);
            }
            return d;
        }
    }
}
