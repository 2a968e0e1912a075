package io.murmur.storage;

import io.murmur.runtime.HintStore;
import io.murmur.runtime.StorageException;
import io.murmur.version.VersionedRecord;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Hints in the {@code hints} column family of a {@link RocksDbStorage}.
 *
 * <p>Layout: key = target id length (2 bytes) ‖ target id (UTF-8) ‖ sequence (8 bytes,
 * big-endian), so one target's hints are one contiguous run in the order they were added;
 * value = created-at millis (8) ‖ key length (4) ‖ key ‖ encoded record. Opening scans the
 * family once to learn the count and bytes per target and the last sequence number, which
 * keeps {@link #pending()} and the byte bound free of disk reads afterwards. Hints are
 * written with the store's sync setting, like data: a stand-in acknowledges a hint as
 * durable as it would acknowledge a write.
 */
public final class RocksDbHintStore implements HintStore {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RocksDbHintStore.class);
    private static final int MAX_TARGET_BYTES = 0xFFFF;

    private final RocksDbStorage storage;
    /** Guarded by this. */
    private final TreeMap<String, long[]> pending = new TreeMap<>();
    /** Guarded by this. */
    private long nextSeq = 1;
    /** Keys in the family that are not hint keys, found when the store opened. */
    private long corruptAtOpen;

    public RocksDbHintStore(RocksDbStorage storage) {
        this.storage = Objects.requireNonNull(storage, "storage");
        storage.scanHints(new byte[0], (k, v) -> {
            String target;
            try {
                target = targetOf(k);
            } catch (StorageException e) {
                corruptAtOpen++;
                return true; // not ours to fix here; replay never reads it (it matches no target)
            }
            long seq = ByteBuffer.wrap(k, k.length - 8, 8).getLong();
            long[] p = pending.computeIfAbsent(target, t -> new long[2]);
            p[0]++;
            p[1] += k.length + v.length;
            nextSeq = Math.max(nextSeq, seq + 1);
            return true;
        });
        if (corruptAtOpen > 0) {
            log.warn("{} keys in the hints family are not hint keys; they are left alone and never replayed",
                    corruptAtOpen);
        }
    }

    /** What a hint weighs: the bytes it takes in the family. */
    static long weigh(String target, byte[] key, VersionedRecord record) {
        return 2 + target.getBytes(StandardCharsets.UTF_8).length + 8 + 12 + key.length
                + RecordCodec.encode(record).length;
    }

    @Override
    public synchronized boolean add(String target, byte[] key, VersionedRecord record, long createdAtMillis,
                                    long maxBytesPerTarget) {
        byte[] recordBytes = RecordCodec.encode(record);
        byte[] k = hintKey(target, nextSeq);
        byte[] v = ByteBuffer.allocate(12 + key.length + recordBytes.length)
                .putLong(createdAtMillis).putInt(key.length).put(key).put(recordBytes).array();
        long bytes = k.length + v.length;
        long[] p = pending.get(target);
        if ((p == null ? 0 : p[1]) + bytes > maxBytesPerTarget) {
            return false;
        }
        storage.putHint(k, v);
        nextSeq++;
        p = pending.computeIfAbsent(target, t -> new long[2]);
        p[0]++;
        p[1] += bytes;
        return true;
    }

    @Override
    public List<Hint> oldest(String target, int max) {
        List<Hint> out = new ArrayList<>();
        byte[] prefix = targetPrefix(target);
        storage.scanHints(prefix, (k, v) -> {
            if (out.size() >= max || !startsWith(k, prefix) || k.length != prefix.length + 8) {
                return false;
            }
            out.add(decode(target, k, v));
            return true;
        });
        return out;
    }

    @Override
    public synchronized void remove(String target, long seq) {
        byte[] k = hintKey(target, seq);
        byte[] v = storage.getHint(k);
        if (v == null) {
            return;
        }
        storage.deleteHint(k);
        long[] p = pending.get(target);
        if (p != null) {
            p[0]--;
            p[1] -= k.length + v.length;
            if (p[0] <= 0) {
                pending.remove(target);
            }
        }
    }

    @Override
    public synchronized SortedMap<String, Pending> pending() {
        TreeMap<String, Pending> out = new TreeMap<>();
        for (Map.Entry<String, long[]> e : pending.entrySet()) {
            out.put(e.getKey(), new Pending(e.getValue()[0], e.getValue()[1]));
        }
        return Collections.unmodifiableSortedMap(out);
    }

    private static Hint decode(String target, byte[] k, byte[] v) {
        long seq = ByteBuffer.wrap(k, k.length - 8, 8).getLong();
        ByteBuffer b = ByteBuffer.wrap(v);
        try {
            long created = b.getLong();
            int keyLength = b.getInt();
            if (keyLength < 0 || keyLength > b.remaining()) {
                throw new CorruptRecordException("hint key length " + keyLength + " overruns the value");
            }
            byte[] key = new byte[keyLength];
            b.get(key);
            VersionedRecord record = RecordCodec.decode(Arrays.copyOfRange(v, b.position(), v.length));
            return new Hint(target, seq, key, record, created, k.length + v.length);
        } catch (CorruptRecordException | java.nio.BufferUnderflowException e) {
            throw new StorageException("corrupt hint " + seq + " for " + target + ": " + e.getMessage(), e);
        }
    }

    private static byte[] targetPrefix(String target) {
        byte[] id = target.getBytes(StandardCharsets.UTF_8);
        if (id.length == 0 || id.length > MAX_TARGET_BYTES) {
            throw new IllegalArgumentException("hint target id must be 1.." + MAX_TARGET_BYTES + " bytes");
        }
        return ByteBuffer.allocate(2 + id.length).putShort((short) id.length).put(id).array();
    }

    private static byte[] hintKey(String target, long seq) {
        byte[] prefix = targetPrefix(target);
        return ByteBuffer.allocate(prefix.length + 8).put(prefix).putLong(seq).array();
    }

    private static String targetOf(byte[] k) {
        int length = ((k[0] & 0xFF) << 8) | (k[1] & 0xFF);
        if (k.length != 2 + length + 8) {
            throw new StorageException("corrupt hint key of " + k.length + " bytes");
        }
        return new String(k, 2, length, StandardCharsets.UTF_8);
    }

    private static boolean startsWith(byte[] k, byte[] prefix) {
        if (k.length < prefix.length) {
            return false;
        }
        return Arrays.equals(k, 0, prefix.length, prefix, 0, prefix.length);
    }
}
