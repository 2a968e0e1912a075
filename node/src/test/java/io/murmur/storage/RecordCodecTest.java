package io.murmur.storage;

import com.google.protobuf.ByteString;
import io.murmur.proto.ClockEntry;
import io.murmur.proto.RecordMsg;
import io.murmur.proto.VectorClockMsg;
import io.murmur.proto.VersionMsg;
import io.murmur.version.Dot;
import io.murmur.version.Generators;
import io.murmur.version.VectorClock;
import io.murmur.version.Version;
import io.murmur.version.VersionedRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static io.murmur.storage.TestRecords.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecordCodecTest {

    static LongStream seeds() {
        return LongStream.range(0, 100);
    }

    private static ClockEntry entry(String node, long counter) {
        return ClockEntry.newBuilder().setNode(node).setCounter(counter).setUpdatedAtMillis(5).build();
    }

    private static VersionMsg.Builder versionMsg(String node, long counter) {
        return VersionMsg.newBuilder().setDot(entry(node, counter)).setValue(ByteString.copyFromUtf8("v"));
    }

    private static byte[] stored(RecordMsg msg) {
        byte[] body = msg.toByteArray();
        byte[] out = new byte[body.length + 1];
        out[0] = RecordCodec.RECORD_FORMAT;
        System.arraycopy(body, 0, out, 1, body.length);
        return out;
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void randomRecordsRoundTrip(long seed) {
        VersionedRecord record = Generators.record(new SplittableRandom(seed));
        byte[] bytes = RecordCodec.encode(record);
        assertThat(bytes[0]).isEqualTo(RecordCodec.RECORD_FORMAT);
        assertThat(RecordCodec.decode(bytes)).isEqualTo(record);
        assertThat(RecordCodec.fromMessage(RecordCodec.toMessage(record))).isEqualTo(record);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void randomClocksRoundTrip(long seed) {
        VectorClock clock = Generators.clock(new SplittableRandom(seed));
        assertThat(RecordCodec.decodeClock(RecordCodec.encodeClock(clock))).isEqualTo(clock);
    }

    @Test
    void emptyRecordRoundTripsAsTheFormatByteAlone() {
        assertThat(RecordCodec.encode(VersionedRecord.EMPTY)).containsExactly(RecordCodec.RECORD_FORMAT);
        assertThat(RecordCodec.decode(new byte[] {RecordCodec.RECORD_FORMAT})).isEqualTo(VersionedRecord.EMPTY);
    }

    @Test
    void tombstonesAndEmptyValuesRoundTripDistinctly() {
        Version tomb = Version.tombstone(new Dot("a", 1), VectorClock.EMPTY, 9);
        Version empty = Version.value(new Dot("b", 1), VectorClock.EMPTY, new byte[0], 9);
        VersionedRecord r = VersionedRecord.of(List.of(tomb, empty));
        VersionedRecord back = RecordCodec.decode(RecordCodec.encode(r));
        assertThat(back).isEqualTo(r);
        assertThat(back.siblings().get(0).isTombstone()).isTrue();
        assertThat(back.siblings().get(1).isTombstone()).isFalse();
    }

    @Test
    void emptyClockIsNoBytesAndNoBytesIsTheEmptyClock() {
        assertThat(RecordCodec.encodeClock(VectorClock.EMPTY)).isEmpty();
        assertThat(RecordCodec.decodeClock(new byte[0])).isEqualTo(VectorClock.EMPTY);
    }

    @Test
    void decodeClockAcceptsEntriesInAnyOrder() {
        byte[] bytes = VectorClockMsg.newBuilder().addEntries(entry("b", 2)).addEntries(entry("a", 1)).build()
                .toByteArray();
        VectorClock c = RecordCodec.decodeClock(bytes);
        assertThat(c.counter("a")).isEqualTo(1);
        assertThat(c.counter("b")).isEqualTo(2);
    }

    @Test
    void decodeClockRejectsBytesThatAreNotAClock() {
        assertThatThrownBy(() -> RecordCodec.decodeClock(new byte[] {(byte) 0xff, (byte) 0xff, 0x01}))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("not a valid VectorClockMsg");
        byte[] truncated = Arrays.copyOf(RecordCodec.encodeClock(VectorClock.EMPTY.increment("node", 1)), 3);
        assertThatThrownBy(() -> RecordCodec.decodeClock(truncated)).isInstanceOf(CorruptRecordException.class);
    }

    @Test
    void decodeClockRejectsAnEmptyNodeId() {
        byte[] bytes = VectorClockMsg.newBuilder().addEntries(entry("", 1)).build().toByteArray();
        assertThatThrownBy(() -> RecordCodec.decodeClock(bytes))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("node id must not be empty");
    }

    @Test
    void decodeClockRejectsAZeroCounter() {
        byte[] bytes = VectorClockMsg.newBuilder().addEntries(entry("a", 0)).build().toByteArray();
        assertThatThrownBy(() -> RecordCodec.decodeClock(bytes))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("counter must be > 0");
    }

    @Test
    void decodeClockRejectsACounterBeyondTheSignedRange() {
        byte[] bytes = VectorClockMsg.newBuilder().addEntries(entry("a", -1L)).build().toByteArray();
        assertThatThrownBy(() -> RecordCodec.decodeClock(bytes))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("a:18446744073709551615");
    }

    @Test
    void decodeClockRejectsANodeNamedTwice() {
        byte[] bytes = VectorClockMsg.newBuilder().addEntries(entry("a", 1)).addEntries(entry("a", 2)).build()
                .toByteArray();
        assertThatThrownBy(() -> RecordCodec.decodeClock(bytes))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("twice");
    }

    @Test
    void decodeClockRejectsANodeIdThatIsNotUtf8() {
        // Field 1 (entries), length 4: field 1 (node), length 2, bytes 0xc3 0x28 (invalid UTF-8).
        byte[] bytes = {0x0a, 0x04, 0x0a, 0x02, (byte) 0xc3, 0x28};
        assertThatThrownBy(() -> RecordCodec.decodeClock(bytes)).isInstanceOf(CorruptRecordException.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 2, 0x7f, 0xff})
    void decodeRejectsAnUnknownFormatByte(int format) {
        byte[] bytes = RecordCodec.encode(VersionedRecord.EMPTY.add(write("a", 1, "x")));
        bytes[0] = (byte) format;
        assertThatThrownBy(() -> RecordCodec.decode(bytes))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("unknown record format " + format);
    }

    @Test
    void decodeRejectsNoBytes() {
        assertThatThrownBy(() -> RecordCodec.decode(new byte[0]))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("empty");
    }

    @Test
    void decodeRejectsABodyThatIsNotARecordMessage() {
        assertThatThrownBy(() -> RecordCodec.decode(new byte[] {1, (byte) 0xff, (byte) 0xff}))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("not a valid RecordMsg");
    }

    @Test
    void decodeRejectsAVersionWithoutADot() {
        RecordMsg msg = RecordMsg.newBuilder().addVersions(VersionMsg.newBuilder().setValue(ByteString.EMPTY))
                .build();
        assertThatThrownBy(() -> RecordCodec.decode(stored(msg)))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("version 0 of 1: version has no dot");
    }

    @Test
    void decodeRejectsAnInvalidDot() {
        RecordMsg emptyNode = RecordMsg.newBuilder().addVersions(versionMsg("", 1)).build();
        RecordMsg zero = RecordMsg.newBuilder().addVersions(versionMsg("a", 0)).build();
        assertThatThrownBy(() -> RecordCodec.decode(stored(emptyNode))).isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("invalid dot");
        assertThatThrownBy(() -> RecordCodec.decode(stored(zero))).isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("invalid dot");
    }

    @Test
    void decodeRejectsAnInvalidContext() {
        VectorClockMsg dup = VectorClockMsg.newBuilder().addEntries(entry("b", 1)).addEntries(entry("b", 1)).build();
        RecordMsg msg = RecordMsg.newBuilder().addVersions(versionMsg("a", 1).setContext(dup)).build();
        assertThatThrownBy(() -> RecordCodec.decode(stored(msg))).isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("twice");
    }

    @Test
    void decodeRejectsATombstoneWithAValue() {
        RecordMsg msg = RecordMsg.newBuilder().addVersions(versionMsg("a", 1).setTombstone(true)).build();
        assertThatThrownBy(() -> RecordCodec.decode(stored(msg))).isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("tombstone a:1 carries a value");
    }

    @Test
    void decodeRejectsSiblingsOutOfDotOrder() {
        RecordMsg msg = RecordMsg.newBuilder().addVersions(versionMsg("b", 1)).addVersions(versionMsg("a", 1))
                .build();
        assertThatThrownBy(() -> RecordCodec.decode(stored(msg))).isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("not reconciled");
    }

    @Test
    void decodeRejectsASiblingThatAnotherSupersedes() {
        VectorClockMsg seesA1 = VectorClockMsg.newBuilder().addEntries(entry("a", 1)).build();
        RecordMsg msg = RecordMsg.newBuilder().addVersions(versionMsg("a", 1))
                .addVersions(versionMsg("b", 1).setContext(seesA1)).build();
        assertThatThrownBy(() -> RecordCodec.decode(stored(msg))).isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("not reconciled");
    }

    @Test
    void decodeRejectsTheSameDotTwice() {
        RecordMsg msg = RecordMsg.newBuilder().addVersions(versionMsg("a", 1)).addVersions(versionMsg("a", 1))
                .build();
        assertThatThrownBy(() -> RecordCodec.decode(stored(msg))).isInstanceOf(CorruptRecordException.class);
    }

    @Test
    void damagedBytesDecodeToARecordOrFailWithCorruptRecordExceptionOnly() {
        SplittableRandom r = new SplittableRandom(1234);
        for (int i = 0; i < 3_000; i++) {
            byte[] bytes = RecordCodec.encode(Generators.record(r));
            switch (r.nextInt(3)) {
                case 0 -> bytes = Arrays.copyOf(bytes, r.nextInt(bytes.length + 1));
                case 1 -> bytes[r.nextInt(bytes.length)] ^= (byte) (1 + r.nextInt(255));
                default -> {
                    bytes = new byte[r.nextInt(40)];
                    r.nextBytes(bytes);
                }
            }
            byte[] damaged = bytes;
            try {
                RecordCodec.decode(damaged);
            } catch (CorruptRecordException expected) {
                // Fine: refused with the one exception callers handle.
            } catch (RuntimeException e) {
                throw new AssertionError("case " + i + ": " + Arrays.toString(damaged) + " threw " + e, e);
            }
            try {
                RecordCodec.decodeClock(damaged);
            } catch (CorruptRecordException expected) {
                // Fine.
            } catch (RuntimeException e) {
                throw new AssertionError("clock case " + i + ": " + Arrays.toString(damaged) + " threw " + e, e);
            }
        }
    }
}
