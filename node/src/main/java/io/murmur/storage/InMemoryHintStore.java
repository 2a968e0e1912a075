package io.murmur.storage;

import io.murmur.runtime.HintStore;
import io.murmur.version.VersionedRecord;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A {@link HintStore} in memory, for tests and the simulator (where the simulator keeps
 * the object across a node's crash, as a disk would keep RocksDB's family). Hints weigh
 * what the RocksDB store would write for them.
 */
public final class InMemoryHintStore implements HintStore {
    private final TreeMap<String, TreeMap<Long, Hint>> byTarget = new TreeMap<>();
    private long nextSeq = 1;

    @Override
    public synchronized boolean add(String target, byte[] key, VersionedRecord record, long createdAtMillis,
                                    long maxBytesPerTarget) {
        Objects.requireNonNull(target, "target");
        long bytes = RocksDbHintStore.weigh(target, key, record);
        TreeMap<Long, Hint> queue = byTarget.get(target);
        long held = 0;
        if (queue != null) {
            for (Hint h : queue.values()) {
                held += h.bytes();
            }
        }
        if (held + bytes > maxBytesPerTarget) {
            return false;
        }
        long seq = nextSeq++;
        byTarget.computeIfAbsent(target, t -> new TreeMap<>())
                .put(seq, new Hint(target, seq, key.clone(), record, createdAtMillis, bytes));
        return true;
    }

    @Override
    public synchronized List<Hint> oldest(String target, int max) {
        TreeMap<Long, Hint> queue = byTarget.get(target);
        if (queue == null) {
            return List.of();
        }
        List<Hint> out = new ArrayList<>(Math.min(max, queue.size()));
        for (Hint h : queue.values()) {
            if (out.size() >= max) {
                break;
            }
            out.add(h);
        }
        return out;
    }

    @Override
    public synchronized void remove(String target, long seq) {
        TreeMap<Long, Hint> queue = byTarget.get(target);
        if (queue != null && queue.remove(seq) != null && queue.isEmpty()) {
            byTarget.remove(target);
        }
    }

    @Override
    public synchronized SortedMap<String, Pending> pending() {
        TreeMap<String, Pending> out = new TreeMap<>();
        for (Map.Entry<String, TreeMap<Long, Hint>> e : byTarget.entrySet()) {
            long bytes = 0;
            for (Hint h : e.getValue().values()) {
                bytes += h.bytes();
            }
            out.put(e.getKey(), new Pending(e.getValue().size(), bytes));
        }
        return Collections.unmodifiableSortedMap(out);
    }
}
