package io.murmur.cli;

import com.google.protobuf.ByteString;
import io.murmur.client.MurmurClient;
import io.murmur.proto.client.ClusterInfo;
import io.murmur.proto.client.DeleteReply;
import io.murmur.proto.client.Error;
import io.murmur.proto.client.ErrorCode;
import io.murmur.proto.client.GetReply;
import io.murmur.proto.client.HelloReply;
import io.murmur.proto.client.Pong;
import io.murmur.proto.client.PutReply;
import io.murmur.proto.client.Request;
import io.murmur.proto.client.Response;
import io.murmur.proto.client.Sibling;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * A bare server that answers the client protocol as fast as a server can: it reads just
 * the {@code request_id} and the operation of each request and replies with a pre-built
 * response of the size a node would send (a get returns one sibling of the configured
 * value size and a 20-byte context; a put or delete a 20-byte context).
 *
 * <p>Design note: driving it with the same client and load loop as a real node measures
 * the ceiling that the client, the framing and the loopback network allow on this
 * machine; the node's figure divided by it says how much the node itself costs.
 * Binds an ephemeral loopback port; one I/O thread unless told otherwise.
 */
public final class CeilingServer implements AutoCloseable {
    /** A context of this size stands in for a node's encoded vector clock. */
    public static final int CONTEXT_BYTES = 20;

    private static final int FIELD_REQUEST_ID = Request.REQUEST_ID_FIELD_NUMBER;

    private final EventLoopGroup group;
    private final Channel server;
    private final byte[][] repliesByField = new byte[Request.CLUSTER_INFO_FIELD_NUMBER + 1][];
    private final byte[] unsupported;

    private CeilingServer(byte[] getValue, int ioThreads) {
        SplittableRandom random = new SplittableRandom(getValue.length);
        ByteString context = ByteString.copyFrom(randomBytes(random, CONTEXT_BYTES));
        long now = System.currentTimeMillis();
        repliesByField[Request.HELLO_FIELD_NUMBER] = body(Response.newBuilder().setHello(HelloReply.newBuilder()
                .setProtocolVersion(MurmurClient.PROTOCOL_VERSION).setNodeId("ceiling").setClusterName("ceiling")));
        repliesByField[Request.GET_FIELD_NUMBER] = body(Response.newBuilder().setGet(GetReply.newBuilder()
                .addSiblings(Sibling.newBuilder()
                        .setValue(ByteString.copyFrom(getValue))
                        .setWrittenAtMillis(now))
                .setContext(context)));
        repliesByField[Request.PUT_FIELD_NUMBER] = body(Response.newBuilder().setPut(PutReply.newBuilder()
                .setContext(context)));
        repliesByField[Request.DELETE_FIELD_NUMBER] = body(Response.newBuilder().setDelete(DeleteReply.newBuilder()
                .setContext(context)));
        repliesByField[Request.PING_FIELD_NUMBER] = body(Response.newBuilder().setPong(Pong.getDefaultInstance()));
        repliesByField[Request.CLUSTER_INFO_FIELD_NUMBER] = body(Response.newBuilder().setClusterInfo(
                ClusterInfo.newBuilder().setClusterName("ceiling").setNodeId("ceiling")
                        .setProtocolVersion(MurmurClient.PROTOCOL_VERSION)));
        unsupported = body(Response.newBuilder().setError(Error.newBuilder()
                .setCode(ErrorCode.INVALID_REQUEST).setMessage("unsupported operation")));

        group = new MultiThreadIoEventLoopGroup(ioThreads, new DefaultThreadFactory("ceiling", true),
                NioIoHandler.newFactory());
        try {
            server = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline()
                                    .addLast(new LengthFieldBasedFrameDecoder(16 * 1024 * 1024, 0, 4, 0, 4))
                                    .addLast(new Responder());
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

    /** Starts a ceiling server with one I/O thread whose get replies carry {@code valueBytes}. */
    public static CeilingServer start(int valueBytes) {
        return start(valueBytes, 1);
    }

    public static CeilingServer start(int valueBytes, int ioThreads) {
        if (valueBytes < 0 || ioThreads < 1) {
            throw new IllegalArgumentException("valueBytes >= 0 and ioThreads >= 1 required");
        }
        return new CeilingServer(randomBytes(new SplittableRandom(valueBytes), valueBytes), ioThreads);
    }

    /**
     * Starts a ceiling server whose get replies carry {@code getValue} itself, for clients
     * that decode what they read (the YCSB binding reads records of fields).
     */
    public static CeilingServer startWithValue(byte[] getValue, int ioThreads) {
        if (ioThreads < 1) {
            throw new IllegalArgumentException("ioThreads >= 1 required");
        }
        return new CeilingServer(getValue.clone(), ioThreads);
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** {@code 127.0.0.1:port}. */
    public String address() {
        return "127.0.0.1:" + port();
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private static byte[] body(Response.Builder response) {
        return response.build().toByteArray(); // request_id 0 is omitted; each reply adds its own
    }

    private static byte[] randomBytes(SplittableRandom random, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) random.nextInt(256);
        }
        return b;
    }

    private static long readVarint(ByteBuf in) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = in.readByte();
            value |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw new CorruptedFrameException("varint too long");
    }

    private static int varintSize(long value) {
        int n = 1;
        while ((value & ~0x7fL) != 0) {
            value >>>= 7;
            n++;
        }
        return n;
    }

    private static void writeVarint(ByteBuf out, long value) {
        while ((value & ~0x7fL) != 0) {
            out.writeByte((int) ((value & 0x7f) | 0x80));
            value >>>= 7;
        }
        out.writeByte((int) value);
    }

    /** Reads the request id and operation, writes the canned reply; flushes once per read batch. */
    private final class Responder extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            long requestId = 0;
            int op = 0;
            try {
                while (frame.isReadable()) {
                    long tag = readVarint(frame);
                    int field = (int) (tag >>> 3);
                    switch ((int) (tag & 7)) {
                        case 0:
                            long v = readVarint(frame);
                            if (field == FIELD_REQUEST_ID) {
                                requestId = v;
                            }
                            break;
                        case 1:
                            frame.skipBytes(8);
                            break;
                        case 2:
                            frame.skipBytes((int) readVarint(frame));
                            if (op == 0) {
                                op = field;
                            }
                            break;
                        case 5:
                            frame.skipBytes(4);
                            break;
                        default:
                            throw new CorruptedFrameException("unsupported wire type in field " + field);
                    }
                }
            } finally {
                frame.release();
            }
            byte[] body = op > 0 && op < repliesByField.length && repliesByField[op] != null
                    ? repliesByField[op] : unsupported;
            int idBytes = requestId == 0 ? 0 : 1 + varintSize(requestId);
            int length = idBytes + body.length;
            ByteBuf out = ctx.alloc().ioBuffer(4 + length);
            out.writeInt(length);
            if (requestId != 0) {
                out.writeByte(FIELD_REQUEST_ID << 3); // varint wire type
                writeVarint(out, requestId);
            }
            out.writeBytes(body);
            ctx.write(out, ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
