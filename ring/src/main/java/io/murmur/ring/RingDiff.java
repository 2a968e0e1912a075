package io.murmur.ring;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What moves between two ring snapshots: for every range whose replica set changes, the
 * replicas before and after, hence which nodes gain it (stream it in) and which lose it (may
 * drop it once the new owners have it).
 *
 * <p>Design note: the ranges are the segments between consecutive tokens of the union of both
 * snapshots' tokens. Inside such a segment neither ring has a token, so every key in it has
 * one replica list before and one after; comparing them segment by segment is exact, and the
 * result is a pure function of the two snapshots (no history is needed to plan a move).
 * Replica order changes alone (same set) are not movements: no data has to move.
 */
public final class RingDiff {
    private final long fromEpoch;
    private final long toEpoch;
    private final int replicas;
    private final List<Movement> movements;

    private RingDiff(long fromEpoch, long toEpoch, int replicas, List<Movement> movements) {
        this.fromEpoch = fromEpoch;
        this.toEpoch = toEpoch;
        this.replicas = replicas;
        this.movements = List.copyOf(movements);
    }

    /**
     * One range whose replica set changes.
     *
     * @param range  a segment with no token of either ring strictly inside it
     * @param before replicas before, in preference order
     * @param after  replicas after, in preference order
     */
    public record Movement(TokenRange range, List<String> before, List<String> after) {
        public Movement {
            Objects.requireNonNull(range, "range");
            before = List.copyOf(before);
            after = List.copyOf(after);
        }

        /** Nodes that become replicas of the range: they must receive its data. */
        public List<String> gaining() {
            return minus(after, before);
        }

        /** Nodes that stop being replicas of the range. */
        public List<String> losing() {
            return minus(before, after);
        }

        private static List<String> minus(List<String> a, List<String> b) {
            List<String> out = new ArrayList<>(a.size());
            for (String node : a) {
                if (!b.contains(node)) {
                    out.add(node);
                }
            }
            return List.copyOf(out);
        }
    }

    static RingDiff between(RingSnapshot before, RingSnapshot after, int n) {
        if (n < 1) {
            throw new IllegalArgumentException("replicas must be >= 1, got " + n);
        }
        long[] a = before.tokensView();
        long[] b = after.tokensView();
        long[] union = mergeDistinct(a, b);
        List<Movement> out = new ArrayList<>();
        for (int j = 0; j < union.length; j++) {
            long end = union[j];
            long start = union[j == 0 ? union.length - 1 : j - 1];
            List<String> was = before.preferenceList(end, n);
            List<String> now = after.preferenceList(end, n);
            if (!sameSet(was, now)) {
                out.add(new Movement(new TokenRange(start, end), was, now));
            }
        }
        return new RingDiff(before.epoch(), after.epoch(), n, out);
    }

    private static long[] mergeDistinct(long[] a, long[] b) {
        long[] out = new long[a.length + b.length];
        int i = 0;
        int j = 0;
        int k = 0;
        while (i < a.length || j < b.length) {
            long next;
            if (j == b.length || (i < a.length && a[i] <= b[j])) {
                next = a[i++];
            } else {
                next = b[j++];
            }
            if (k == 0 || out[k - 1] != next) {
                out[k++] = next;
            }
        }
        return k == out.length ? out : Arrays.copyOf(out, k);
    }

    private static boolean sameSet(List<String> a, List<String> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (String node : a) {
            if (!b.contains(node)) {
                return false;
            }
        }
        return true;
    }

    public long fromEpoch() {
        return fromEpoch;
    }

    public long toEpoch() {
        return toEpoch;
    }

    /** The replication factor the diff was computed for. */
    public int replicas() {
        return replicas;
    }

    /** The moving ranges, in ring order of their end tokens. */
    public List<Movement> movements() {
        return movements;
    }

    public boolean isEmpty() {
        return movements.isEmpty();
    }

    /** The share of the token space whose replica set changes. */
    public double movedFraction() {
        double sum = 0;
        for (Movement m : movements) {
            sum += m.range().fraction();
        }
        return sum;
    }

    /** The ranges {@code nodeId} gains, in ring order. */
    public List<TokenRange> gainedBy(String nodeId) {
        List<TokenRange> out = new ArrayList<>();
        for (Movement m : movements) {
            if (m.after().contains(nodeId) && !m.before().contains(nodeId)) {
                out.add(m.range());
            }
        }
        return List.copyOf(out);
    }

    /** The ranges {@code nodeId} loses, in ring order. */
    public List<TokenRange> lostBy(String nodeId) {
        List<TokenRange> out = new ArrayList<>();
        for (Movement m : movements) {
            if (m.before().contains(nodeId) && !m.after().contains(nodeId)) {
                out.add(m.range());
            }
        }
        return List.copyOf(out);
    }

    @Override
    public String toString() {
        return "RingDiff{epoch " + fromEpoch + " -> " + toEpoch + ", n=" + replicas
                + ", " + movements.size() + " movements, moved " + movedFraction() + "}";
    }
}
