package io.murmur.transport;

import com.google.protobuf.CodedOutputStream;
import io.murmur.proto.peer.PeerFrame;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

import java.io.IOException;

/**
 * Writes each {@link PeerFrame} of an outbound peer connection as one frame: its 4-byte
 * big-endian length, then the message, serialised straight into a single buffer from the
 * channel's allocator (pooled and direct where the transport likes it). Unlike a length
 * prepender behind a protobuf encoder, a frame costs one buffer and no intermediate
 * byte array, which matters for replica frames of a megabyte or more.
 */
final class PeerFrameEncoder extends MessageToByteEncoder<PeerFrame> {
    PeerFrameEncoder() {
        super(PeerFrame.class);
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, PeerFrame frame, boolean preferDirect) {
        int bytes = 4 + frame.getSerializedSize();
        return preferDirect ? ctx.alloc().ioBuffer(bytes, bytes) : ctx.alloc().heapBuffer(bytes, bytes);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, PeerFrame frame, ByteBuf out) throws IOException {
        int size = frame.getSerializedSize();
        out.ensureWritable(4 + size);
        out.writeInt(size);
        int at = out.writerIndex();
        CodedOutputStream coded = CodedOutputStream.newInstance(out.nioBuffer(at, size));
        frame.writeTo(coded);
        coded.flush();
        coded.checkNoSpaceLeft();
        out.writerIndex(at + size);
    }
}
