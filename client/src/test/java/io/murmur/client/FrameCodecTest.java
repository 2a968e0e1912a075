package io.murmur.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.murmur.proto.client.Get;
import io.murmur.proto.client.GetReply;
import io.murmur.proto.client.Request;
import io.murmur.proto.client.Response;
import io.murmur.proto.client.Sibling;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.TooLongFrameException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameCodecTest {
    private static EmbeddedChannel clientPipeline(int maxFrameBytes) {
        return new EmbeddedChannel(
                new LengthFieldBasedFrameDecoder(maxFrameBytes, 0, 4, 0, 4),
                new ProtobufMessageDecoder<>(Response.parser()),
                new LengthFieldPrepender(4),
                new ProtobufMessageEncoder());
    }

    private static Response reply(long id, int valueBytes) {
        return Response.newBuilder()
                .setRequestId(id)
                .setGet(GetReply.newBuilder()
                        .addSiblings(Sibling.newBuilder().setValue(ByteString.copyFrom(new byte[valueBytes])))
                        .setContext(ByteString.copyFromUtf8("ctx")))
                .build();
    }

    private static byte[] frame(Response response) {
        byte[] body = response.toByteArray();
        ByteBuf buf = Unpooled.buffer();
        buf.writeInt(body.length).writeBytes(body);
        byte[] bytes = new byte[buf.readableBytes()];
        buf.readBytes(bytes);
        return bytes;
    }

    @Test
    void fragmentedFramesDecodeOnlyWhenWhole() {
        EmbeddedChannel ch = clientPipeline(1024 * 1024);
        byte[] stream = concat(frame(reply(1, 300)), frame(reply(2, 0)), frame(reply(3, 5)));
        List<Response> decoded = new ArrayList<>();

        for (int i = 0; i < stream.length; i += 3) {
            ch.writeInbound(Unpooled.wrappedBuffer(stream, i, Math.min(3, stream.length - i)));
            Response r;
            while ((r = ch.readInbound()) != null) {
                decoded.add(r);
            }
            if (i + 3 < frame(reply(1, 300)).length) {
                assertThat(decoded).isEmpty();
            }
        }

        assertThat(decoded).containsExactly(reply(1, 300), reply(2, 0), reply(3, 5));
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void encoderWritesLengthThenMessage() {
        EmbeddedChannel ch = clientPipeline(1024);
        Request request = Request.newBuilder().setRequestId(7)
                .setGet(Get.newBuilder().setKey(ByteString.copyFromUtf8("key"))).build();

        assertThat(ch.writeOutbound(request)).isTrue();
        ByteBuf out = Unpooled.buffer();
        ByteBuf part;
        while ((part = ch.readOutbound()) != null) {
            out.writeBytes(part);
            part.release();
        }

        assertThat(out.readInt()).isEqualTo(request.getSerializedSize());
        byte[] body = new byte[out.readableBytes()];
        out.readBytes(body);
        assertThat(body).isEqualTo(request.toByteArray());
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void oversizedFrameIsRefused() {
        EmbeddedChannel ch = clientPipeline(64);
        ByteBuf buf = Unpooled.wrappedBuffer(frame(reply(1, 200)));

        assertThatThrownBy(() -> ch.writeInbound(buf)).isInstanceOf(TooLongFrameException.class);
        assertThat(buf.refCnt()).isZero();
        ch.finishAndReleaseAll();
    }

    @Test
    void garbageFrameFailsToDecode() {
        EmbeddedChannel ch = clientPipeline(1024);
        ByteBuf buf = Unpooled.buffer().writeInt(3).writeBytes(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});

        assertThatThrownBy(() -> ch.writeInbound(buf)).hasRootCauseInstanceOf(
                com.google.protobuf.InvalidProtocolBufferException.class);
        assertThat(buf.refCnt()).isZero();
        ch.finishAndReleaseAll();
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
