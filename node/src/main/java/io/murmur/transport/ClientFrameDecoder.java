package io.murmur.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * Splits the byte stream of a client connection into frames: a 4-byte big-endian length,
 * then that many bytes. Emits each whole frame as a {@link ByteBuf} (a retained slice,
 * released by the next handler).
 *
 * <p>A frame longer than {@code maxFrameBytes} is never buffered. The decoder waits only
 * for its first few bytes, reads the {@code request_id} from them (field 1 of a
 * {@code Request}, which protobuf writes first), emits an {@link OversizedFrame} so the
 * client can be told which request was refused, and then discards the frame's bytes as
 * they arrive.
 */
final class ClientFrameDecoder extends ByteToMessageDecoder {
    /** A frame over the limit: its length and, when it could be read, its request id (else 0). */
    record OversizedFrame(long requestId, long length) {
    }

    /** Tag of field 1 (request_id) as a varint: (1 << 3) | 0. */
    private static final int REQUEST_ID_TAG = 0x08;
    /** The tag byte plus the longest varint of a uint64. */
    private static final int REQUEST_ID_PEEK_BYTES = 11;

    private final int maxFrameBytes;
    private long discarding;

    ClientFrameDecoder(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (discarding > 0) {
            int skip = (int) Math.min(discarding, in.readableBytes());
            in.skipBytes(skip);
            discarding -= skip;
            if (discarding > 0) {
                return;
            }
        }
        if (in.readableBytes() < 4) {
            return;
        }
        long length = in.getUnsignedInt(in.readerIndex());
        if (length <= maxFrameBytes) {
            if (in.readableBytes() < 4 + length) {
                return;
            }
            in.skipBytes(4);
            out.add(in.readRetainedSlice((int) length));
            return;
        }
        int available = (int) Math.min(length, Math.min(in.readableBytes() - 4, REQUEST_ID_PEEK_BYTES));
        long requestId = readRequestId(in, in.readerIndex() + 4, available);
        if (requestId == NEED_MORE && available < Math.min(length, REQUEST_ID_PEEK_BYTES)) {
            return;
        }
        requestId = Math.max(requestId, 0);
        in.skipBytes(4);
        discarding = length;
        int skip = (int) Math.min(discarding, in.readableBytes());
        in.skipBytes(skip);
        discarding -= skip;
        out.add(new OversizedFrame(requestId, length));
    }

    /** What {@link #readRequestId} says when the bytes so far end inside the varint. */
    static final long NEED_MORE = -1;

    /**
     * The request id if the bytes at {@code at} start with field 1 as a varint; 0 if they
     * start with something else; {@link #NEED_MORE} if they end before the varint does.
     */
    static long readRequestId(ByteBuf buf, int at, int available) {
        if (available < 1) {
            return NEED_MORE;
        }
        if (buf.getUnsignedByte(at) != REQUEST_ID_TAG) {
            return 0;
        }
        long value = 0;
        for (int i = 1, shift = 0; shift < 64; i++, shift += 7) {
            if (i >= available) {
                return NEED_MORE;
            }
            int b = buf.getUnsignedByte(at + i);
            value |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return value & Long.MAX_VALUE;
            }
        }
        return 0;
    }
}
