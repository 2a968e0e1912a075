package io.murmur.client;

import com.google.protobuf.ByteString;
import io.murmur.proto.client.ClusterInfo;
import io.murmur.proto.client.DeleteReply;
import io.murmur.proto.client.Error;
import io.murmur.proto.client.ErrorCode;
import io.murmur.proto.client.GetReply;
import io.murmur.proto.client.HelloReply;
import io.murmur.proto.client.Member;
import io.murmur.proto.client.Pong;
import io.murmur.proto.client.PutReply;
import io.murmur.proto.client.Request;
import io.murmur.proto.client.Response;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * An in-process stand-in for a node, for tests: a Netty server on an ephemeral loopback
 * port that speaks the client frame format, answers Hello itself and hands every other
 * request to a {@link Behavior}. It records what each connection received so tests can
 * check ordering. One I/O thread; {@link #close()} stops it.
 */
public final class FakeNode implements AutoCloseable {
    /** What the fake does with a request other than Hello. Runs on the fake's I/O thread. */
    @FunctionalInterface
    public interface Behavior {
        void onRequest(Request request, Replier replier);
    }

    /** Answers one request, now or later, from any thread. */
    public static final class Replier {
        private final Channel channel;
        private final long requestId;

        Replier(Channel channel, long requestId) {
            this.channel = channel;
            this.requestId = requestId;
        }

        public long requestId() {
            return requestId;
        }

        public Channel channel() {
            return channel;
        }

        public void send(Response.Builder response) {
            channel.writeAndFlush(response.setRequestId(requestId).build());
        }

        public void error(ErrorCode code, String message) {
            send(Response.newBuilder().setError(Error.newBuilder().setCode(code).setMessage(message)));
        }
    }

    public static final String NODE_ID = "fake-1";
    public static final String CLUSTER_NAME = "fake";

    private final EventLoopGroup group;
    private final Channel server;
    private final Set<Channel> clients = ConcurrentHashMap.newKeySet();
    private final List<List<Request>> received = new CopyOnWriteArrayList<>();
    private final Behavior behavior;
    private volatile int helloVersion = MurmurClient.PROTOCOL_VERSION;
    private volatile ErrorCode helloError;
    private volatile boolean answerHello = true;

    private FakeNode(Behavior behavior) {
        this.behavior = behavior;
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("fake-node", true),
                NioIoHandler.newFactory());
        try {
            this.server = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            clients.add(ch);
                            ch.closeFuture().addListener(f -> clients.remove(ch));
                            List<Request> log = new CopyOnWriteArrayList<>();
                            received.add(log);
                            ch.pipeline()
                                    .addLast(new LengthFieldBasedFrameDecoder(64 * 1024 * 1024, 0, 4, 0, 4))
                                    .addLast(new ProtobufMessageDecoder<>(Request.parser()))
                                    .addLast(new LengthFieldPrepender(4))
                                    .addLast(new ProtobufMessageEncoder())
                                    .addLast(new RequestHandler(log));
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0))
                    .syncUninterruptibly()
                    .channel();
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** A fake backed by a {@link MemoryStore}. */
    public static FakeNode start() {
        return new FakeNode(new MemoryStore());
    }

    public static FakeNode start(Behavior behavior) {
        return new FakeNode(behavior);
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** {@code 127.0.0.1:port}, for {@code MurmurClient.builder().hosts(...)}. */
    public String address() {
        return "127.0.0.1:" + port();
    }

    /** The protocol version the Hello reply announces. */
    public FakeNode helloVersion(int version) {
        this.helloVersion = version;
        return this;
    }

    /** Answer Hello with this error (then close), or {@code null} to accept. */
    public FakeNode helloError(ErrorCode code) {
        this.helloError = code;
        return this;
    }

    /** Whether to answer Hello at all (false: the client's handshake never completes). */
    public FakeNode answerHello(boolean answer) {
        this.answerHello = answer;
        return this;
    }

    /** Connections accepted so far. */
    public int connectionCount() {
        return received.size();
    }

    /** What connection {@code index} (in accept order) received, in arrival order. */
    public List<Request> requests(int index) {
        return List.copyOf(received.get(index));
    }

    /** Every request received on every connection. */
    public List<Request> allRequests() {
        List<Request> all = new ArrayList<>();
        for (List<Request> log : received) {
            all.addAll(log);
        }
        return all;
    }

    /** Closes every client connection (the server keeps listening). */
    public void closeConnections() {
        for (Channel ch : List.copyOf(clients)) {
            ch.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        closeConnections();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private final class RequestHandler extends ChannelInboundHandlerAdapter {
        private final List<Request> log;

        RequestHandler(List<Request> log) {
            this.log = log;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Request request = (Request) msg;
            log.add(request);
            Replier replier = new Replier(ctx.channel(), request.getRequestId());
            if (request.hasHello()) {
                if (!answerHello) {
                    return;
                }
                ErrorCode error = helloError;
                if (error != null) {
                    replier.error(error, "hello refused");
                    ctx.close();
                    return;
                }
                replier.send(Response.newBuilder().setHello(HelloReply.newBuilder()
                        .setProtocolVersion(helloVersion).setNodeId(NODE_ID).setClusterName(CLUSTER_NAME)));
                return;
            }
            behavior.onRequest(request, replier);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /**
     * A toy single-node store with just enough of the real semantics for client and CLI
     * tests: a context is the key's version number; a write whose context matches the
     * current version replaces every sibling, any other write adds a sibling beside them.
     */
    public static final class MemoryStore implements Behavior {
        private final Map<ByteString, List<io.murmur.proto.client.Sibling>> siblings = new HashMap<>();
        private final Map<ByteString, Long> versions = new HashMap<>();

        @Override
        public synchronized void onRequest(Request request, Replier replier) {
            switch (request.getOpCase()) {
                case GET: {
                    ByteString key = request.getGet().getKey();
                    replier.send(Response.newBuilder().setGet(GetReply.newBuilder()
                            .addAllSiblings(siblings.getOrDefault(key, List.of()))
                            .setContext(context(key))));
                    break;
                }
                case PUT: {
                    ByteString context = write(request.getPut().getKey(), request.getPut().getContext(),
                            request.getPut().getValue(), false);
                    replier.send(Response.newBuilder().setPut(PutReply.newBuilder().setContext(context)));
                    break;
                }
                case DELETE: {
                    ByteString context = write(request.getDelete().getKey(), request.getDelete().getContext(),
                            ByteString.EMPTY, true);
                    replier.send(Response.newBuilder().setDelete(DeleteReply.newBuilder().setContext(context)));
                    break;
                }
                case PING:
                    replier.send(Response.newBuilder().setPong(Pong.newBuilder().setPayload(request.getPing().getPayload())));
                    break;
                case CLUSTER_INFO: {
                    InetSocketAddress local = (InetSocketAddress) replier.channel().localAddress();
                    replier.send(Response.newBuilder().setClusterInfo(ClusterInfo.newBuilder()
                            .setClusterName(CLUSTER_NAME)
                            .setNodeId(NODE_ID)
                            .setProtocolVersion(MurmurClient.PROTOCOL_VERSION)
                            .addMembers(Member.newBuilder().setNodeId(NODE_ID).setHost("127.0.0.1")
                                    .setClientPort(local.getPort()).setPeerPort(7071).setStatus("NORMAL")
                                    .setRack("r1"))));
                    break;
                }
                default:
                    replier.error(ErrorCode.INVALID_REQUEST, "unsupported operation " + request.getOpCase());
            }
        }

        private ByteString write(ByteString key, ByteString context, ByteString value, boolean tombstone) {
            List<io.murmur.proto.client.Sibling> current = siblings.computeIfAbsent(key, k -> new ArrayList<>());
            if (!context.isEmpty() && context.equals(context(key))) {
                current.clear();
            }
            current.add(io.murmur.proto.client.Sibling.newBuilder()
                    .setValue(value).setTombstone(tombstone).setWrittenAtMillis(System.currentTimeMillis()).build());
            versions.merge(key, 1L, Long::sum);
            return context(key);
        }

        private ByteString context(ByteString key) {
            Long version = versions.get(key);
            if (version == null) {
                return ByteString.EMPTY;
            }
            return ByteString.copyFrom(ByteBuffer.allocate(8).putLong(0, version));
        }
    }
}
