package io.murmur.transport;

import io.murmur.proto.peer.GossipMessage;
import io.murmur.proto.peer.PeerFrame;
import io.murmur.proto.peer.Ping;
import io.murmur.testing.RawClient;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

import static org.assertj.core.api.Assertions.assertThat;

/** The peer frame decoder fed a few bytes at a time, as TCP may deliver them. */
class PeerFrameDecoderTest {
    private static List<Object> feed(EmbeddedChannel ch, byte[] stream, long seed, int maxChunk, List<ByteBuf> inputs) {
        return ChunkedFeed.feed(ch, stream, seed, maxChunk, inputs);
    }

    private static PeerFrame gossip(long seq) {
        return PeerFrame.newBuilder().setGossip(GossipMessage.newBuilder().setFrom("n1")
                .setPing(Ping.newBuilder().setSeq(seq))).build();
    }

    private static byte[] stream(byte[]... frames) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] f : frames) {
            all.writeBytes(RawClient.frame(f));
        }
        return all.toByteArray();
    }

    @Test
    void framesComeOutWholeHoweverTheBytesArriveAndEveryByteIsCounted() throws Exception {
        byte[] stream = stream(gossip(1).toByteArray(), gossip(2).toByteArray(), new byte[0]);
        for (long seed = 0; seed < 50; seed++) {
            LongAdder counted = new LongAdder();
            EmbeddedChannel ch = new EmbeddedChannel(new PeerFrameDecoder(1024, counted));
            List<ByteBuf> inputs = new ArrayList<>();
            List<Object> out = feed(ch, stream, seed, 3, inputs);
            assertThat(out).as("seed %d", seed).hasSize(3);
            assertThat(PeerFrame.parseFrom(((ByteBuf) out.get(0)).nioBuffer())).isEqualTo(gossip(1));
            assertThat(PeerFrame.parseFrom(((ByteBuf) out.get(1)).nioBuffer())).isEqualTo(gossip(2));
            assertThat(((ByteBuf) out.get(2)).readableBytes()).isZero();
            for (Object o : out) {
                ((ByteBuf) o).release();
            }
            assertThat(counted.sum()).isEqualTo(stream.length);
            assertThat(ch.finish()).isFalse();
            for (ByteBuf in : inputs) {
                assertThat(in.refCnt()).as("every input buffer is released, seed %d", seed).isZero();
            }
        }
    }

    @Test
    void nothingComesOutOfAnUnfinishedFrame() {
        byte[] whole = RawClient.frame(gossip(1).toByteArray());
        EmbeddedChannel ch = new EmbeddedChannel(new PeerFrameDecoder(1024, new LongAdder()));
        ch.writeInbound(Unpooled.wrappedBuffer(whole, 0, whole.length - 1));
        assertThat((Object) ch.readInbound()).isNull();
        ch.finish();
    }

    @Test
    void anOversizedLengthIsReportedOnceFromTheLengthAloneAndNothingAfterItIsDecoded() {
        for (long seed = 0; seed < 20; seed++) {
            EmbeddedChannel ch = new EmbeddedChannel(new PeerFrameDecoder(1024, new LongAdder()));
            byte[] stream = stream(new byte[5000], gossip(3).toByteArray());
            List<ByteBuf> inputs = new ArrayList<>();
            List<Object> out = feed(ch, stream, seed, 700, inputs);
            assertThat(out).as("seed %d", seed).containsExactly(new PeerFrameDecoder.OversizedFrame(5000));
            ch.finish();
            for (ByteBuf in : inputs) {
                assertThat(in.refCnt()).as("nothing is kept, seed %d", seed).isZero();
            }
        }
    }

    @Test
    void aLengthOverTwoGigabytesIsOversizedNotNegative() {
        EmbeddedChannel ch = new EmbeddedChannel(new PeerFrameDecoder(1 << 20, new LongAdder()));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}));
        assertThat((Object) ch.readInbound()).isEqualTo(new PeerFrameDecoder.OversizedFrame(0xffff_ffffL));
        ch.finish();
    }
}
