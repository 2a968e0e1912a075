package io.murmur.sim.ycsb;

import io.murmur.client.Sibling;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A YCSB record (field name to bytes) as one Murmur value, and back.
 *
 * <p>Format: a format byte (1), the number of fields, then per field the length of its
 * UTF-8 name, the name, the length of its value and the value; every number an unsigned
 * LEB128 varint. Ten fields of 100 bytes with names {@code field0..field9} take 1,082
 * bytes: 82 bytes over the raw values.
 *
 * <p>Siblings (concurrent writes of one record) are merged field by field: each field takes
 * its value from the latest sibling that has it, latest by the time its write was
 * coordinated, ties broken by the encoded bytes, so every reader picks the same record.
 */
public final class FieldCodec {
    static final int FORMAT = 1;

    private FieldCodec() {
    }

    /** Encodes {@code fields}, sorted by name, so equal records encode to equal bytes. */
    public static byte[] encode(Map<String, byte[]> fields) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 + fields.size() * 112);
        out.write(FORMAT);
        writeVarint(out, fields.size());
        for (Map.Entry<String, byte[]> e : new TreeMap<>(fields).entrySet()) {
            byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
            writeVarint(out, name.length);
            out.writeBytes(name);
            writeVarint(out, e.getValue().length);
            out.writeBytes(e.getValue());
        }
        return out.toByteArray();
    }

    /**
     * Decodes what {@link #encode} wrote, fields in their encoded order.
     *
     * @throws IllegalArgumentException if {@code value} is not such an encoding (another
     *     format, truncated, trailing bytes)
     */
    public static Map<String, byte[]> decode(byte[] value) {
        int[] pos = {0};
        if (value.length == 0 || value[0] != FORMAT) {
            throw new IllegalArgumentException("not a YCSB record of format " + FORMAT + " ("
                    + (value.length == 0 ? "empty" : "first byte " + (value[0] & 0xff)) + ")");
        }
        pos[0] = 1;
        int count = readLength(value, pos);
        Map<String, byte[]> fields = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            int nameLength = readLength(value, pos);
            String name = new String(value, pos[0], nameLength, StandardCharsets.UTF_8);
            pos[0] += nameLength;
            int valueLength = readLength(value, pos);
            fields.put(name, Arrays.copyOfRange(value, pos[0], pos[0] + valueLength));
            pos[0] += valueLength;
        }
        if (pos[0] != value.length) {
            throw new IllegalArgumentException("YCSB record has " + (value.length - pos[0]) + " bytes after its "
                    + count + " fields");
        }
        return fields;
    }

    /**
     * The record the live siblings of a read stand for (see the class comment); empty when
     * every sibling is a tombstone.
     */
    public static Map<String, byte[]> merge(List<Sibling> siblings) {
        record Version(long writtenAt, byte[] value) {
        }
        List<Version> live = new ArrayList<>();
        for (Sibling s : siblings) {
            if (!s.tombstone()) {
                live.add(new Version(s.writtenAtMillis(), s.value()));
            }
        }
        if (live.size() == 1) {
            return decode(live.get(0).value());
        }
        live.sort(Comparator.comparingLong(Version::writtenAt)
                .thenComparing(Version::value, Arrays::compareUnsigned));
        Map<String, byte[]> merged = new LinkedHashMap<>();
        for (Version v : live) {
            merged.putAll(decode(v.value()));
        }
        return merged;
    }

    private static void writeVarint(ByteArrayOutputStream out, int v) {
        while ((v & ~0x7f) != 0) {
            out.write((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write(v);
    }

    /** A varint that must be a length that fits in what is left of {@code b}. */
    private static int readLength(byte[] b, int[] pos) {
        long v = 0;
        int shift = 0;
        while (true) {
            if (pos[0] >= b.length) {
                throw new IllegalArgumentException("YCSB record truncated at byte " + pos[0]);
            }
            byte x = b[pos[0]++];
            v |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                break;
            }
            shift += 7;
            if (shift > 28) {
                throw new IllegalArgumentException("YCSB record has a length over 5 bytes at byte " + pos[0]);
            }
        }
        if (v > b.length - pos[0]) {
            throw new IllegalArgumentException("YCSB record truncated: a length of " + v + " at byte " + pos[0]
                    + " with " + (b.length - pos[0]) + " bytes left");
        }
        return (int) v;
    }
}
