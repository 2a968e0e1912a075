package io.murmur.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Feeds a decoder a stream the way TCP may deliver it: in random chunks. */
final class ChunkedFeed {
    private ChunkedFeed() {
    }

    /** Writes {@code stream} in random chunks of 1..maxChunk bytes and collects what comes out. */
    static List<Object> feed(EmbeddedChannel ch, byte[] stream, long seed, int maxChunk, List<ByteBuf> inputs) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Object> out = new ArrayList<>();
        int at = 0;
        while (at < stream.length) {
            int n = Math.min(stream.length - at, 1 + random.nextInt(maxChunk));
            ByteBuf chunk = Unpooled.buffer(n).writeBytes(stream, at, n);
            inputs.add(chunk);
            ch.writeInbound(chunk);
            at += n;
            Object o;
            while ((o = ch.readInbound()) != null) {
                out.add(o);
            }
        }
        return out;
    }
}
