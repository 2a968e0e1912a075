package io.murmur.version;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * An immutable vector clock: for each node, the highest counter it has given a write of a
 * key (counters are not a count of writes: see {@link VersionedRecord}'s note on dots), and
 * when it last did (wall-clock milliseconds, supplied by the caller).
 *
 * <p>Design note. Clocks order histories, never wall times: the per-entry timestamp is
 * only used by {@link #prune(int)} to decide which entries to forget first when a clock
 * grows past its bound. Forgetting an entry can only make a later comparison say
 * CONCURRENT where it would have said AFTER (a spurious sibling), never the reverse, so
 * pruning may cost a merge by the client but never loses a write. Entries are kept
 * sorted by node id in parallel arrays, so {@link #compare} and {@link #merge} are one
 * linear pass, and equal clocks have equal representations.
 */
public final class VectorClock {
    public static final VectorClock EMPTY = new VectorClock(new String[0], new long[0], new long[0]);

    private final String[] nodes;
    private final long[] counters;
    private final long[] updatedAtMillis;

    private VectorClock(String[] nodes, long[] counters, long[] updatedAtMillis) {
        this.nodes = nodes;
        this.counters = counters;
        this.updatedAtMillis = updatedAtMillis;
    }

    /** One entry of a clock, as returned by {@link #entries()} and taken by {@link #of}. */
    public record Entry(String node, long counter, long updatedAtMillis) {
        public Entry {
            Objects.requireNonNull(node, "node");
            if (node.isEmpty()) {
                throw new IllegalArgumentException("clock entry node id must not be empty");
            }
            if (counter <= 0) {
                throw new IllegalArgumentException("clock entry counter must be > 0, got " + counter + " for " + node);
            }
        }
    }

    /**
     * Builds a clock from entries in any order.
     *
     * @throws IllegalArgumentException if a node appears twice
     */
    public static VectorClock of(List<Entry> entries) {
        if (entries.isEmpty()) {
            return EMPTY;
        }
        Entry[] sorted = entries.toArray(new Entry[0]);
        Arrays.sort(sorted, Comparator.comparing(Entry::node));
        String[] nodes = new String[sorted.length];
        long[] counters = new long[sorted.length];
        long[] stamps = new long[sorted.length];
        for (int i = 0; i < sorted.length; i++) {
            if (i > 0 && sorted[i].node().equals(sorted[i - 1].node())) {
                throw new IllegalArgumentException("clock names node " + sorted[i].node() + " twice");
            }
            nodes[i] = sorted[i].node();
            counters[i] = sorted[i].counter();
            stamps[i] = sorted[i].updatedAtMillis();
        }
        return new VectorClock(nodes, counters, stamps);
    }

    /** The entries, sorted by node id. */
    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>(nodes.length);
        for (int i = 0; i < nodes.length; i++) {
            out.add(new Entry(nodes[i], counters[i], updatedAtMillis[i]));
        }
        return out;
    }

    public int size() {
        return nodes.length;
    }

    public boolean isEmpty() {
        return nodes.length == 0;
    }

    /** The counter for {@code node}, or 0 if the clock has no entry for it. */
    public long counter(String node) {
        int i = Arrays.binarySearch(nodes, node);
        return i >= 0 ? counters[i] : 0;
    }

    /** Whether the history this clock describes includes the write {@code dot}. */
    public boolean covers(Dot dot) {
        return counter(dot.node()) >= dot.counter();
    }

    /** This clock with {@code node}'s counter raised by one, stamped {@code nowMillis}. */
    public VectorClock increment(String node, long nowMillis) {
        return withAtLeast(node, counter(node) + 1, nowMillis);
    }

    /**
     * This clock with {@code node}'s counter raised to at least {@code counter}. Used to add
     * a version's own dot to its context.
     */
    public VectorClock withAtLeast(String node, long counter, long stampMillis) {
        if (counter <= 0) {
            throw new IllegalArgumentException("counter must be > 0, got " + counter);
        }
        int i = Arrays.binarySearch(nodes, node);
        if (i >= 0) {
            if (counters[i] >= counter) {
                return this;
            }
            long[] c = counters.clone();
            long[] t = updatedAtMillis.clone();
            c[i] = counter;
            t[i] = Math.max(t[i], stampMillis);
            return new VectorClock(nodes, c, t);
        }
        if (node.isEmpty()) {
            throw new IllegalArgumentException("node id must not be empty");
        }
        int at = -i - 1;
        String[] n = new String[nodes.length + 1];
        long[] c = new long[nodes.length + 1];
        long[] t = new long[nodes.length + 1];
        System.arraycopy(nodes, 0, n, 0, at);
        System.arraycopy(counters, 0, c, 0, at);
        System.arraycopy(updatedAtMillis, 0, t, 0, at);
        n[at] = node;
        c[at] = counter;
        t[at] = stampMillis;
        System.arraycopy(nodes, at, n, at + 1, nodes.length - at);
        System.arraycopy(counters, at, c, at + 1, nodes.length - at);
        System.arraycopy(updatedAtMillis, at, t, at + 1, nodes.length - at);
        return new VectorClock(n, c, t);
    }

    /**
     * Orders this clock against {@code other}: BEFORE when every counter here is at most
     * the other's and one is smaller, AFTER for the reverse, EQUAL when all counters match,
     * CONCURRENT otherwise. Timestamps play no part.
     */
    public Causality compare(VectorClock other) {
        boolean thisBigger = false;
        boolean otherBigger = false;
        int i = 0;
        int j = 0;
        while (i < nodes.length || j < other.nodes.length) {
            int cmp;
            if (i == nodes.length) {
                cmp = 1;
            } else if (j == other.nodes.length) {
                cmp = -1;
            } else {
                cmp = nodes[i].compareTo(other.nodes[j]);
            }
            if (cmp < 0) {
                thisBigger = true;
                i++;
            } else if (cmp > 0) {
                otherBigger = true;
                j++;
            } else {
                if (counters[i] > other.counters[j]) {
                    thisBigger = true;
                } else if (counters[i] < other.counters[j]) {
                    otherBigger = true;
                }
                i++;
                j++;
            }
            if (thisBigger && otherBigger) {
                return Causality.CONCURRENT;
            }
        }
        if (thisBigger) {
            return Causality.AFTER;
        }
        return otherBigger ? Causality.BEFORE : Causality.EQUAL;
    }

    /** Whether this clock has seen everything {@code other} has (AFTER or EQUAL). */
    public boolean descends(VectorClock other) {
        Causality c = compare(other);
        return c == Causality.AFTER || c == Causality.EQUAL;
    }

    /**
     * The least clock that descends both: each node's larger counter. When counters tie,
     * the later timestamp is kept.
     */
    public VectorClock merge(VectorClock other) {
        if (other.nodes.length == 0) {
            return this;
        }
        if (nodes.length == 0) {
            return other;
        }
        int max = nodes.length + other.nodes.length;
        String[] n = new String[max];
        long[] c = new long[max];
        long[] t = new long[max];
        int i = 0;
        int j = 0;
        int k = 0;
        while (i < nodes.length || j < other.nodes.length) {
            int cmp;
            if (i == nodes.length) {
                cmp = 1;
            } else if (j == other.nodes.length) {
                cmp = -1;
            } else {
                cmp = nodes[i].compareTo(other.nodes[j]);
            }
            if (cmp < 0) {
                n[k] = nodes[i];
                c[k] = counters[i];
                t[k] = updatedAtMillis[i];
                i++;
            } else if (cmp > 0) {
                n[k] = other.nodes[j];
                c[k] = other.counters[j];
                t[k] = other.updatedAtMillis[j];
                j++;
            } else {
                n[k] = nodes[i];
                if (counters[i] > other.counters[j]) {
                    c[k] = counters[i];
                    t[k] = updatedAtMillis[i];
                } else if (counters[i] < other.counters[j]) {
                    c[k] = other.counters[j];
                    t[k] = other.updatedAtMillis[j];
                } else {
                    c[k] = counters[i];
                    t[k] = Math.max(updatedAtMillis[i], other.updatedAtMillis[j]);
                }
                i++;
                j++;
            }
            k++;
        }
        return new VectorClock(Arrays.copyOf(n, k), Arrays.copyOf(c, k), Arrays.copyOf(t, k));
    }

    /**
     * This clock with at most {@code maxEntries} entries: the entries updated longest ago
     * are dropped first (ties broken by node id, so pruning is deterministic).
     */
    public VectorClock prune(int maxEntries) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be >= 1, got " + maxEntries);
        }
        if (nodes.length <= maxEntries) {
            return this;
        }
        List<Entry> all = entries();
        all.sort(Comparator.comparingLong(Entry::updatedAtMillis).reversed().thenComparing(Entry::node));
        return of(all.subList(0, maxEntries));
    }

    /**
     * This clock with at most {@code maxEntries} entries, like {@link #prune(int)}, except
     * that {@code keep}'s entry, if there is one, is never dropped: the others are pruned
     * to make room for it.
     */
    public VectorClock prune(int maxEntries, String keep) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be >= 1, got " + maxEntries);
        }
        int i = Arrays.binarySearch(nodes, keep);
        if (nodes.length <= maxEntries || i < 0) {
            return prune(maxEntries);
        }
        List<Entry> others = entries();
        Entry kept = others.remove(i);
        others.sort(Comparator.comparingLong(Entry::updatedAtMillis).reversed().thenComparing(Entry::node));
        List<Entry> out = new ArrayList<>(others.subList(0, maxEntries - 1));
        out.add(kept);
        return of(out);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof VectorClock other)) {
            return false;
        }
        return Arrays.equals(nodes, other.nodes)
                && Arrays.equals(counters, other.counters)
                && Arrays.equals(updatedAtMillis, other.updatedAtMillis);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(nodes) + Arrays.hashCode(counters)) + Arrays.hashCode(updatedAtMillis);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < nodes.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(nodes[i]).append(':').append(counters[i]);
        }
        return sb.append('}').toString();
    }
}
