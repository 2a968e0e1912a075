package io.murmur.client;

import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.util.List;

/**
 * Parses one whole frame, already cut by the length-field decoder in front of it, into a
 * protobuf message. A frame that does not parse raises an exception and the connection
 * closes: after a broken frame the stream cannot be trusted.
 */
final class ProtobufMessageDecoder<M extends MessageLite> extends MessageToMessageDecoder<ByteBuf> {
    private final Parser<M> parser;

    ProtobufMessageDecoder(Parser<M> parser) {
        super(ByteBuf.class);
        this.parser = parser;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) throws Exception {
        int length = frame.readableBytes();
        if (frame.hasArray()) {
            out.add(parser.parseFrom(frame.array(), frame.arrayOffset() + frame.readerIndex(), length));
        } else {
            out.add(parser.parseFrom(frame.nioBuffer()));
        }
    }
}
