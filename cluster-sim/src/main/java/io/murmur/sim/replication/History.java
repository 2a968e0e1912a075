package io.murmur.sim.replication;

import io.murmur.version.Dot;
import io.murmur.version.Version;
import io.murmur.version.VersionedRecord;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What clients were told, to check it against what they later read: every acknowledged
 * write, by key, with when it was acknowledged.
 *
 * <p>A record <em>covers</em> a write when one of its versions is that write or saw it:
 * the version's history (its causal context and its own dot) reaches the write's dot. So
 * "a read covers every write acknowledged before the read began" is "no acknowledged
 * write is lost, and every later read sees it or a successor".
 */
public final class History {
    /** An acknowledged write. */
    public record Ack(String key, Dot dot, long ackedAtNanos) {
    }

    private final Map<String, List<Ack>> acked = new LinkedHashMap<>();
    private final List<String> violations = new ArrayList<>();
    private long readsChecked;

    public void acknowledged(String key, Dot dot, long atNanos) {
        acked.computeIfAbsent(key, k -> new ArrayList<>()).add(new Ack(key, dot, atNanos));
    }

    /** All acknowledged writes of {@code key}. */
    public List<Ack> acked(String key) {
        return acked.getOrDefault(key, List.of());
    }

    public Iterable<String> keys() {
        return acked.keySet();
    }

    public long ackCount() {
        long n = 0;
        for (List<Ack> l : acked.values()) {
            n += l.size();
        }
        return n;
    }

    /** Checks a read of {@code key} that began at {@code startedAtNanos} and returned {@code record}. */
    public void readReturned(String key, long startedAtNanos, VersionedRecord record, String where) {
        readsChecked++;
        for (Ack a : acked(key)) {
            if (a.ackedAtNanos() < startedAtNanos && !covers(record, a.dot())) {
                violations.add("read of " + key + " through " + where + " begun at "
                        + ReplicaCluster.seconds(startedAtNanos) + " missed write " + a.dot() + " acknowledged at "
                        + ReplicaCluster.seconds(a.ackedAtNanos()) + "; it returned " + record.siblings());
            }
        }
    }

    /** Whether a version of {@code record} is the write {@code dot} or saw it. */
    public static boolean covers(VersionedRecord record, Dot dot) {
        for (Version v : record.siblings()) {
            if (v.dot().equals(dot) || v.history().counter(dot.node()) >= dot.counter()) {
                return true;
            }
        }
        return false;
    }

    public void violation(String what) {
        violations.add(what);
    }

    public List<String> violations() {
        return violations;
    }

    public long readsChecked() {
        return readsChecked;
    }
}
