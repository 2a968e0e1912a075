package io.murmur.storage;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.murmur.proto.ClockEntry;
import io.murmur.proto.RecordMsg;
import io.murmur.proto.VectorClockMsg;
import io.murmur.proto.VersionMsg;
import io.murmur.version.Dot;
import io.murmur.version.VectorClock;
import io.murmur.version.Version;
import io.murmur.version.VersionedRecord;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Records, versions and clocks to bytes and back, through the protobuf messages of
 * {@code common.proto}, so the disk format, the peer protocol and the client's causal
 * context share one schema.
 *
 * <p>Design note. Stored records start with one format byte ({@link #RECORD_FORMAT}),
 * so a later format can be told apart from this one and read or refused, rather than
 * misread. Every decoder treats its input as untrusted: a client's causal context comes
 * off the network, and a disk can return damaged bytes. Decoding checks everything the
 * in-memory types assume (non-empty node ids, positive counters, no node twice, no value
 * on a tombstone, siblings sorted by dot with none superseding another) and fails with
 * {@link CorruptRecordException}, never with whatever a constructor happens to throw.
 * Clocks carry no format byte: the empty clock must encode as no bytes at all, which is
 * what a client without context sends.
 */
public final class RecordCodec {
    /** The first byte of every stored record in this format. */
    public static final byte RECORD_FORMAT = 1;

    private RecordCodec() {
    }

    /** The stored form of {@code record}: the format byte, then a {@code RecordMsg}. */
    public static byte[] encode(VersionedRecord record) {
        RecordMsg msg = toMessage(record);
        byte[] out = new byte[1 + msg.getSerializedSize()];
        out[0] = RECORD_FORMAT;
        CodedOutputStream cos = CodedOutputStream.newInstance(out, 1, out.length - 1);
        try {
            msg.writeTo(cos);
        } catch (IOException e) {
            throw new IllegalStateException("protobuf could not fill an array of its own size", e);
        }
        cos.checkNoSpaceLeft();
        return out;
    }

    /**
     * Reads a record written by {@link #encode}.
     *
     * @throws CorruptRecordException if the bytes are not a valid record of a known format
     */
    public static VersionedRecord decode(byte[] bytes) {
        if (bytes.length == 0) {
            throw new CorruptRecordException("record bytes are empty: no format byte");
        }
        if (bytes[0] != RECORD_FORMAT) {
            throw new CorruptRecordException("unknown record format " + (bytes[0] & 0xff) + ", expected "
                    + RECORD_FORMAT);
        }
        RecordMsg msg;
        try {
            msg = RecordMsg.parseFrom(CodedInputStream.newInstance(bytes, 1, bytes.length - 1));
        } catch (IOException e) { // InvalidProtocolBufferException: an array source does no other I/O
            throw new CorruptRecordException("record is not a valid RecordMsg: " + e.getMessage(), e);
        }
        return fromMessage(msg);
    }

    /** The causal context a client carries: a {@code VectorClockMsg}, no bytes for the empty clock. */
    public static byte[] encodeClock(VectorClock clock) {
        return toMessage(clock).toByteArray();
    }

    /**
     * Reads a clock written by {@link #encodeClock}, typically a client's causal context.
     * Entries may come in any order; no bytes is the empty clock.
     *
     * @throws CorruptRecordException if the bytes are not a valid clock
     */
    public static VectorClock decodeClock(byte[] bytes) {
        VectorClockMsg msg;
        try {
            msg = VectorClockMsg.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new CorruptRecordException("clock is not a valid VectorClockMsg: " + e.getMessage(), e);
        }
        return fromMessage(msg);
    }

    /** {@code record} as a message, for the peer protocol. */
    public static RecordMsg toMessage(VersionedRecord record) {
        RecordMsg.Builder b = RecordMsg.newBuilder();
        for (Version v : record.siblings()) {
            b.addVersions(toMessage(v));
        }
        return b.build();
    }

    /** {@code version} as a message, for the peer protocol and hints. */
    public static VersionMsg toMessage(Version version) {
        VersionMsg.Builder b = VersionMsg.newBuilder()
                .setDot(ClockEntry.newBuilder()
                        .setNode(version.dot().node())
                        .setCounter(version.dot().counter()))
                .setContext(toMessage(version.context()))
                .setTombstone(version.isTombstone())
                .setWrittenAtMillis(version.writtenAtMillis());
        if (!version.isTombstone()) {
            b.setValue(ByteString.copyFrom(version.value()));
        }
        return b.build();
    }

    /** {@code clock} as a message, entries sorted by node id. */
    public static VectorClockMsg toMessage(VectorClock clock) {
        VectorClockMsg.Builder b = VectorClockMsg.newBuilder();
        for (VectorClock.Entry e : clock.entries()) {
            b.addEntries(ClockEntry.newBuilder()
                    .setNode(e.node())
                    .setCounter(e.counter())
                    .setUpdatedAtMillis(e.updatedAtMillis()));
        }
        return b.build();
    }

    /**
     * The record a message describes.
     *
     * @throws CorruptRecordException if a version is invalid, or the versions are not a
     *         reconciled record (sorted by dot, none superseding or repeating another)
     */
    public static VersionedRecord fromMessage(RecordMsg msg) {
        List<Version> versions = new ArrayList<>(msg.getVersionsCount());
        for (int i = 0; i < msg.getVersionsCount(); i++) {
            try {
                versions.add(fromMessage(msg.getVersions(i)));
            } catch (CorruptRecordException e) {
                throw new CorruptRecordException("version " + i + " of " + msg.getVersionsCount() + ": "
                        + e.getMessage(), e);
            }
        }
        VersionedRecord record = VersionedRecord.of(versions);
        // Encoding writes the siblings of a reconciled record, in order; anything else was
        // not written by us. Reconciling silently would hide the damage, so refuse it.
        if (!record.siblings().equals(versions)) {
            throw new CorruptRecordException("record versions are not reconciled siblings sorted by dot: "
                    + versions);
        }
        return record;
    }

    /**
     * The version a message describes.
     *
     * @throws CorruptRecordException if the dot is missing or invalid, the context is
     *         invalid, or a tombstone carries a value
     */
    public static Version fromMessage(VersionMsg msg) {
        if (!msg.hasDot()) {
            throw new CorruptRecordException("version has no dot");
        }
        ClockEntry d = msg.getDot();
        Dot dot;
        try {
            dot = new Dot(d.getNode(), d.getCounter());
        } catch (IllegalArgumentException e) {
            throw new CorruptRecordException("invalid dot " + d.getNode() + ":" + Long.toUnsignedString(d.getCounter())
                    + ": " + e.getMessage(), e);
        }
        VectorClock context = fromMessage(msg.getContext());
        if (msg.getTombstone()) {
            if (!msg.getValue().isEmpty()) {
                throw new CorruptRecordException("tombstone " + dot + " carries a value of " + msg.getValue().size()
                        + " bytes");
            }
            return Version.tombstone(dot, context, msg.getWrittenAtMillis());
        }
        return Version.value(dot, context, msg.getValue().toByteArray(), msg.getWrittenAtMillis());
    }

    /**
     * The clock a message describes.
     *
     * @throws CorruptRecordException if a node id is empty, a counter is not positive (as
     *         a signed 64-bit number), or a node appears twice
     */
    public static VectorClock fromMessage(VectorClockMsg msg) {
        List<VectorClock.Entry> entries = new ArrayList<>(msg.getEntriesCount());
        for (ClockEntry e : msg.getEntriesList()) {
            try {
                entries.add(new VectorClock.Entry(e.getNode(), e.getCounter(), e.getUpdatedAtMillis()));
            } catch (IllegalArgumentException ex) {
                throw new CorruptRecordException("invalid clock entry " + e.getNode() + ":"
                        + Long.toUnsignedString(e.getCounter()) + ": " + ex.getMessage(), ex);
            }
        }
        try {
            return VectorClock.of(entries);
        } catch (IllegalArgumentException ex) {
            throw new CorruptRecordException("invalid clock: " + ex.getMessage(), ex);
        }
    }
}
