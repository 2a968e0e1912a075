package io.murmur.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

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
        IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(threadNamePrefix, true), factory);
    }

    public Class<? extends ServerChannel> serverChannelClass() {
        return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }
}
