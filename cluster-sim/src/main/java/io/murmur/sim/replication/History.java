package io.murmur.sim.replication;

import io.murmur.version.Dot;
import io.murmur.version.VectorClock;
import io.murmur.version.Version;
import io.murmur.version.VersionedRecord;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
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
 *
 * <p>Deletes. A tombstone may be purged once every replica holds it, and then no record
 * is left to cover it or the values it deleted. So an acknowledged delete is satisfied by
 * a record that covers it or holds no value the delete superseded (a value it superseded
 * coming back is the resurrection tombstone purging must never cause), and an
 * acknowledged value is satisfied, besides by covering it, when a delete issued later
 * (acknowledged or not: it may have been applied anyway) had seen it.
 *
 * <p>A dot names one write. Where the value each acknowledged write carried is known, a
 * record holding a version with that dot and another value (or a tombstone for a value)
 * is a dot reused for a second write: reported as such, since every replica that holds
 * the first write takes the second for it (and drops it).
 */
public final class History {
    /**
     * An acknowledged write.
     *
     * @param deleted for a delete, the context it was issued with (the versions it
     *                supersedes); null for a value
     */
    public record Ack(String key, Dot dot, long ackedAtNanos, VectorClock deleted) {
        public boolean isDelete() {
            return deleted != null;
        }
    }

    private final Map<String, List<Ack>> acked = new LinkedHashMap<>();
    private final Map<String, List<VectorClock>> deletesIssued = new LinkedHashMap<>();
    /** Per key, per dot of an acknowledged write whose value is known: the value, or null for a delete. */
    private final Map<String, Map<Dot, String>> written = new HashMap<>();
    private final List<String> violations = new ArrayList<>();
    private long readsChecked;

    public void acknowledged(String key, Dot dot, long atNanos) {
        acked.computeIfAbsent(key, k -> new ArrayList<>()).add(new Ack(key, dot, atNanos, null));
    }

    /** As {@link #acknowledged(String, Dot, long)}, remembering the value written, to catch a dot reused. */
    public void acknowledged(String key, Dot dot, long atNanos, String value) {
        acknowledged(key, dot, atNanos);
        wrote(key, dot, value);
    }

    private void wrote(String key, Dot dot, String value) {
        Map<Dot, String> dots = written.computeIfAbsent(key, k -> new HashMap<>());
        if (dots.containsKey(dot) && !java.util.Objects.equals(dots.get(dot), value)) {
            violations.add("dot " + dot + " of " + key + " was acknowledged for two writes: "
                    + describe(dots.get(dot)) + " and " + describe(value));
        }
        dots.putIfAbsent(dot, value);
    }

    private static String describe(String value) {
        return value == null ? "a delete" : "value " + value;
    }

    /**
     * The first version of {@code record} whose dot an acknowledged write of {@code key}
     * used for something else, described, or null.
     */
    public String reusedDot(String key, VersionedRecord record) {
        Map<Dot, String> dots = written.get(key);
        if (dots == null) {
            return null;
        }
        for (Version v : record.siblings()) {
            if (!dots.containsKey(v.dot())) {
                continue;
            }
            String first = dots.get(v.dot());
            String now = v.isTombstone() ? null : new String(v.value(), StandardCharsets.UTF_8);
            if (!java.util.Objects.equals(first, now)) {
                return "dot " + v.dot() + " of " + key + " names two writes: " + describe(first)
                        + " (acknowledged) and " + describe(now);
            }
        }
        return null;
    }

    /** A delete of {@code key} with {@code context} is sent (before knowing whether it succeeds). */
    public void deleteIssued(String key, VectorClock context) {
        deletesIssued.computeIfAbsent(key, k -> new ArrayList<>()).add(context);
    }

    /** A delete of {@code key} issued with {@code context} was acknowledged as {@code dot}. */
    public void acknowledgedDelete(String key, Dot dot, VectorClock context, long atNanos) {
        acked.computeIfAbsent(key, k -> new ArrayList<>()).add(new Ack(key, dot, atNanos, context));
        wrote(key, dot, null);
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
        String reused = reusedDot(key, record);
        if (reused != null) {
            violations.add("read of " + key + " through " + where + " begun at "
                    + ReplicaCluster.seconds(startedAtNanos) + ": " + reused);
        }
        for (Ack a : acked(key)) {
            if (a.ackedAtNanos() < startedAtNanos && !satisfies(record, a)) {
                violations.add("read of " + key + " through " + where + " begun at "
                        + ReplicaCluster.seconds(startedAtNanos) + (a.isDelete() ? " returned a value deleted by "
                        : " missed write ") + a.dot() + " acknowledged at "
                        + ReplicaCluster.seconds(a.ackedAtNanos()) + "; it returned " + record.siblings());
            }
        }
    }

    /**
     * Whether {@code record} (a read's answer, or what a replica holds) reflects the
     * acknowledged write {@code a}, as the class comment says: it covers it, or it is a
     * delete and no value it superseded is in the record, or it is a value a later delete
     * had seen.
     */
    public boolean satisfies(VersionedRecord record, Ack a) {
        if (covers(record, a.dot())) {
            return true;
        }
        if (a.isDelete()) {
            for (Version v : record.liveSiblings()) {
                if (a.deleted().counter(v.dot().node()) >= v.dot().counter()) {
                    return false; // resurrected
                }
            }
            return true;
        }
        for (VectorClock delete : deletesIssued.getOrDefault(a.key(), List.of())) {
            if (delete.counter(a.dot().node()) >= a.dot().counter()) {
                return true;
            }
        }
        return false;
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
