package io.murmur.client;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Serializes a protobuf message straight into one buffer of its exact size (no
 * intermediate byte array); the length prepender behind it adds the frame header.
 */
final class ProtobufMessageEncoder extends MessageToMessageEncoder<MessageLite> {
    ProtobufMessageEncoder() {
        super(MessageLite.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, MessageLite message, List<Object> out) throws Exception {
        int size = message.getSerializedSize();
        ByteBuf buf = ctx.alloc().buffer(size, size);
        boolean handedOff = false;
        try {
            int start = buf.writerIndex();
            CodedOutputStream stream;
            if (buf.hasArray()) {
                stream = CodedOutputStream.newInstance(buf.array(), buf.arrayOffset() + start, size);
            } else {
                ByteBuffer target = buf.nioBuffer(start, size);
                stream = CodedOutputStream.newInstance(target);
            }
            message.writeTo(stream);
            stream.flush();
            stream.checkNoSpaceLeft();
            buf.writerIndex(start + size);
            out.add(buf);
            handedOff = true;
        } finally {
            if (!handedOff) {
                buf.release();
            }
        }
    }
}
