package io.murmur.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.concurrent.ThreadFactory;

/**
 * Chooses the network transport: native epoll where the platform has it (fewer copies and
 * syscalls), Java NIO everywhere else. Both behave the same to the rest of the node.
 */
public final class EventLoops {
    private final boolean epoll;

    private EventLoops(boolean epoll) {
        this.epoll = epoll;
    }

    /**
     * {@code auto}: epoll when available, else NIO; {@code epoll}: epoll or an error saying
     * why it is unavailable; {@code nio}: NIO.
     */
    public static EventLoops choose(String mode) {
        return switch (mode) {
            case "nio" -> new EventLoops(false);
            case "epoll" -> {
                if (!Epoll.isAvailable()) {
                    throw new IllegalStateException("epoll transport is not available: "
                            + Epoll.unavailabilityCause());
                }
                yield new EventLoops(true);
            }
            case "auto" -> new EventLoops(Epoll.isAvailable());
            default -> throw new IllegalArgumentException("transport must be auto, epoll or nio: " + mode);
        };
    }

    public String name() {
        return epoll ? "epoll" : "nio";
    }

    public EventLoopGroup newGroup(int threads, String threadNamePrefix) {
        return newGroup(threads, new DefaultThreadFactory(threadNamePrefix, true));
    }

    /** A group whose threads come from {@code threadFactory} (to name them, or to join them on close). */
    public EventLoopGroup newGroup(int threads, ThreadFactory threadFactory) {
        IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, threadFactory, factory);
    }

    public Class<? extends ServerChannel> serverChannelClass() {
        return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** The class of outbound (connecting) channels. */
    public Class<? extends SocketChannel> socketChannelClass() {
        return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }
}
