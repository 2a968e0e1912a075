package io.murmur.transport;

import io.murmur.proto.peer.PeerFrame;
import io.murmur.proto.peer.PeerHello;
import io.murmur.proto.peer.TrafficClass;
import io.murmur.testing.RawClient;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

import static io.murmur.transport.GossipPeers.ping;
import static io.murmur.transport.ReplicaPeers.store;
import static org.assertj.core.api.Assertions.assertThat;

/** The peer frame encoder writes exactly the frames the decoder reads. */
class PeerFrameEncoderTest {
    static List<PeerFrame> frames() {
        return List.of(
                PeerFrame.newBuilder().setHello(PeerHello.newBuilder().setProtocolVersion(1).setCluster("c")
                        .setNodeId("n").setTraffic(TrafficClass.REPLICA)).build(),
                PeerFrame.newBuilder().setGossip(ping("a", "127.0.0.1:1", 5)).build(),
                PeerFrame.newBuilder().setReplica(store("a", "127.0.0.1:1", 9, 3 << 20)).build(),
                PeerFrame.getDefaultInstance());
    }

    @Test
    void eachFrameIsItsLengthThenTheMessageInOneBuffer() {
        EmbeddedChannel ch = new EmbeddedChannel(new PeerFrameEncoder());
        for (PeerFrame frame : frames()) {
            assertThat(ch.writeOutbound(frame)).isTrue();
            ByteBuf out = ch.readOutbound();
            try {
                assertThat(ByteBufUtil.getBytes(out)).isEqualTo(RawClient.frame(frame.toByteArray()));
            } finally {
                out.release();
            }
            assertThat((Object) ch.readOutbound()).as("one buffer per frame").isNull();
        }
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void theDecoderReadsBackWhatTheEncoderWrote() throws Exception {
        EmbeddedChannel out = new EmbeddedChannel(new PeerFrameEncoder());
        EmbeddedChannel in = new EmbeddedChannel(new PeerFrameDecoder(4 << 20, new LongAdder()));
        for (PeerFrame frame : frames()) {
            out.writeOutbound(frame);
            in.writeInbound((ByteBuf) out.readOutbound());
        }
        List<PeerFrame> read = new ArrayList<>();
        for (Object o = in.readInbound(); o != null; o = in.readInbound()) {
            ByteBuf bytes = (ByteBuf) o;
            read.add(PeerFrame.parseFrom(bytes.nioBuffer()));
            bytes.release();
        }
        assertThat(read).isEqualTo(frames());
        assertThat(out.finish()).isFalse();
        assertThat(in.finish()).isFalse();
    }
}
