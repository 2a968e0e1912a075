package io.murmur.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Splits the byte stream of an inbound peer connection into frames: a 4-byte big-endian
 * length, then that many bytes. Emits each whole frame as a {@link ByteBuf} (a retained
 * slice, released by the next handler), and counts every byte read.
 *
 * <p>A frame longer than {@code maxFrameBytes} is never buffered: as soon as its length
 * prefix has arrived the decoder emits one {@link OversizedFrame} and from then on
 * discards everything the connection sends, which the next handler closes. Unlike the
 * client port there is nobody to answer, so nothing of the frame is read.
 *
 * <p>Until the hello has named the connection's traffic class, the accepting transport's
 * limit and counter apply; then the next handler switches both to the class's with
 * {@link #switchTo}, on the channel's event loop, and they apply from the next frame on.
 */
final class PeerFrameDecoder extends ByteToMessageDecoder {
    /** A length prefix over the limit; nothing after it is decoded. */
    record OversizedFrame(long length) {
    }

    private int maxFrameBytes;
    private LongAdder bytesReceived;
    private boolean refused;

    PeerFrameDecoder(int maxFrameBytes, LongAdder bytesReceived) {
        this.maxFrameBytes = maxFrameBytes;
        this.bytesReceived = bytesReceived;
    }

    /** From the next frame on, frames may be up to {@code maxFrameBytes} and bytes read count in {@code bytesReceived}. */
    void switchTo(int maxFrameBytes, LongAdder bytesReceived) {
        this.maxFrameBytes = maxFrameBytes;
        this.bytesReceived = bytesReceived;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof ByteBuf bytes) {
            bytesReceived.add(bytes.readableBytes());
        }
        super.channelRead(ctx, msg);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (refused) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < 4) {
            return;
        }
        long length = in.getUnsignedInt(in.readerIndex());
        if (length > maxFrameBytes) {
            refused = true;
            in.skipBytes(in.readableBytes());
            out.add(new OversizedFrame(length));
            return;
        }
        if (in.readableBytes() < 4 + length) {
            return;
        }
        in.skipBytes(4);
        out.add(in.readRetainedSlice((int) length));
    }
}
