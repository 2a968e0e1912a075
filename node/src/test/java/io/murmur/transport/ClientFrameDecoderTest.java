package io.murmur.transport;

import io.murmur.proto.client.Request;
import io.murmur.testing.RawClient;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.murmur.testing.Requests.bytes;
import static io.murmur.testing.Requests.ping;
import static io.murmur.testing.Requests.put;
import static org.assertj.core.api.Assertions.assertThat;

/** The frame decoder fed a few bytes at a time, as TCP may deliver them. */
class ClientFrameDecoderTest {
    private static List<Object> feed(EmbeddedChannel ch, byte[] stream, long seed, int maxChunk, List<ByteBuf> inputs) {
        return ChunkedFeed.feed(ch, stream, seed, maxChunk, inputs);
    }

    @Test
    void framesComeOutWholeHoweverTheBytesArrive() throws Exception {
        byte[] a = ping(1).toByteArray();
        byte[] b = put(2, bytes("key"), bytes("a value of some length"), bytes("")).toByteArray();
        byte[] stream = concat(RawClient.frame(a), RawClient.frame(b), RawClient.frame(new byte[0]));
        for (long seed = 0; seed < 50; seed++) {
            EmbeddedChannel ch = new EmbeddedChannel(new ClientFrameDecoder(1024));
            List<ByteBuf> inputs = new ArrayList<>();
            List<Object> out = feed(ch, stream, seed, 3, inputs);
            assertThat(out).as("seed %d", seed).hasSize(3);
            assertThat(Request.parseFrom(((ByteBuf) out.get(0)).nioBuffer())).isEqualTo(ping(1));
            assertThat(Request.parseFrom(((ByteBuf) out.get(1)).nioBuffer()).getRequestId()).isEqualTo(2);
            assertThat(((ByteBuf) out.get(2)).readableBytes()).isZero();
            for (Object o : out) {
                ((ByteBuf) o).release();
            }
            assertThat(ch.finish()).isFalse();
            for (ByteBuf in : inputs) {
                assertThat(in.refCnt()).as("every input buffer is released, seed %d", seed).isZero();
            }
        }
    }

    @Test
    void anOversizedFrameIsReportedWithItsRequestIdAndItsBytesAreSkipped() throws Exception {
        byte[] big = put(77, bytes("k"), bytes("x".repeat(5000)), bytes("")).toByteArray();
        byte[] after = ping(78).toByteArray();
        byte[] stream = concat(RawClient.frame(big), RawClient.frame(after));
        for (long seed = 0; seed < 20; seed++) {
            EmbeddedChannel ch = new EmbeddedChannel(new ClientFrameDecoder(1024));
            List<Object> out = feed(ch, stream, seed, 700, new ArrayList<>());
            assertThat(out).as("seed %d", seed).hasSize(2);
            assertThat(out.get(0)).isEqualTo(new ClientFrameDecoder.OversizedFrame(77, big.length));
            ByteBuf next = (ByteBuf) out.get(1);
            assertThat(Request.parseFrom(next.nioBuffer())).as("framing stays in step").isEqualTo(ping(78));
            next.release();
            ch.finish();
        }
    }

    @Test
    void anOversizedFrameWithoutALeadingRequestIdIsReportedWithIdZero() {
        EmbeddedChannel ch = new EmbeddedChannel(new ClientFrameDecoder(16));
        ch.writeInbound(Unpooled.wrappedBuffer(RawClient.frame(new byte[40])));
        assertThat((Object) ch.readInbound()).isEqualTo(new ClientFrameDecoder.OversizedFrame(0, 40));
        ch.finish();
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
