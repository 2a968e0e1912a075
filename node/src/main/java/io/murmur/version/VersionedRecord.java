package io.murmur.version;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The current versions of one key: siblings, none of which supersedes another.
 *
 * <p>Design note. Reconciliation is a join: adding a version drops the siblings it
 * supersedes and is a no-op if a sibling already supersedes or equals it, so
 * {@link #merge} is commutative, associative and idempotent, and replicas that have seen
 * the same writes hold the same record whatever order the writes arrived in. Siblings
 * are kept sorted by dot so that equal records are equal values.
 */
public final class VersionedRecord {
    public static final VersionedRecord EMPTY = new VersionedRecord(List.of());

    private final List<Version> siblings;
    /** {@link #context()}, computed on first use: records are read far more than written. */
    private VectorClock context;

    private VersionedRecord(List<Version> siblings) {
        this.siblings = siblings;
    }

    /** A record holding the given versions, reconciled: superseded ones are dropped. */
    public static VersionedRecord of(List<Version> versions) {
        VersionedRecord r = EMPTY;
        for (Version v : versions) {
            r = r.add(v);
        }
        return r;
    }

    /** The siblings, sorted by dot (node, then counter). Unmodifiable. */
    public List<Version> siblings() {
        return siblings;
    }

    public boolean isEmpty() {
        return siblings.isEmpty();
    }

    /** True when the key has versions and every one is a tombstone. */
    public boolean isDeleted() {
        if (siblings.isEmpty()) {
            return false;
        }
        for (Version v : siblings) {
            if (!v.isTombstone()) {
                return false;
            }
        }
        return true;
    }

    /** The value siblings, without tombstones. */
    public List<Version> liveSiblings() {
        List<Version> live = new ArrayList<>(siblings.size());
        for (Version v : siblings) {
            if (!v.isTombstone()) {
                live.add(v);
            }
        }
        return live;
    }

    /**
     * The causal context handed to clients: a clock claiming only writes this record has
     * really seen, so that a write carrying it supersedes exactly what its client read.
     *
     * <p>A clock entry {@code n:k} claims every write {@code n:1..k}. A sibling's dot
     * {@code n:k} alone does not justify that claim: a coordinator that held {@code n:5}
     * as a sibling issues {@code n:6} for a client that never saw {@code n:5}, and a replica
     * that received {@code n:6} alone has not seen {@code n:5} either. So the context is
     * the merge of the siblings' contexts, extended by a sibling's dot only where the dots
     * run on without a gap. Claiming {@code n:6} there would let a client who never read
     * {@code n:5} (nor the versions it superseded) silently overwrite it, and would make
     * reconciliation depend on arrival order.
     *
     * <p>When the record holds every earlier write of each sibling's coordinator (always
     * true on the coordinator itself, and on any replica once full records have been
     * exchanged), this clock covers every sibling, and a write carrying it supersedes
     * them all. While a replica lacks such a write, a write through it becomes a sibling
     * instead: a spurious sibling, never a lost write.
     */
    public VectorClock context() {
        VectorClock c = context;
        if (c == null) {
            c = computeContext();
            context = c; // racy but benign: every thread computes the same immutable value
        }
        return c;
    }

    private VectorClock computeContext() {
        VectorClock c = VectorClock.EMPTY;
        for (Version v : siblings) {
            c = c.merge(v.context());
        }
        // Siblings are sorted by dot, so one pass sees each node's dots in ascending order
        // and extends its counter over every run that starts right after what is covered.
        for (Version v : siblings) {
            Dot d = v.dot();
            if (d.counter() == c.counter(d.node()) + 1) {
                c = c.withAtLeast(d.node(), d.counter(), v.writtenAtMillis());
            }
        }
        return c;
    }

    /**
     * This record with {@code incoming} reconciled in. Returns {@code this} when the
     * incoming version is already known or superseded.
     */
    public VersionedRecord add(Version incoming) {
        for (Version s : siblings) {
            if (s.dot().equals(incoming.dot()) || s.supersedes(incoming)) {
                return this;
            }
        }
        List<Version> kept = new ArrayList<>(siblings.size() + 1);
        for (Version s : siblings) {
            if (!incoming.supersedes(s)) {
                kept.add(s);
            }
        }
        int at = 0;
        while (at < kept.size() && compareDots(kept.get(at).dot(), incoming.dot()) < 0) {
            at++;
        }
        kept.add(at, incoming);
        return new VersionedRecord(Collections.unmodifiableList(kept));
    }

    /** The reconciliation of this record and {@code other}. */
    public VersionedRecord merge(VersionedRecord other) {
        VersionedRecord r = this;
        for (Version v : other.siblings) {
            r = r.add(v);
        }
        return r;
    }

    /**
     * The next version a coordinator writes: its dot is {@code node}'s next counter for
     * this key (past everything the record and the client's context have seen), its
     * context is the client's, pruned to {@code maxClockEntries}.
     *
     * @param value the new value, or {@code null} for a tombstone
     */
    public Version nextVersion(String node, VectorClock clientContext, byte[] value, long nowMillis,
                               int maxClockEntries) {
        long counter = clientContext.counter(node);
        for (Version s : siblings) {
            counter = Math.max(counter, s.history().counter(node));
        }
        Dot dot = new Dot(node, counter + 1);
        VectorClock ctx = clientContext.prune(maxClockEntries);
        return value == null ? Version.tombstone(dot, ctx, nowMillis) : Version.value(dot, ctx, value, nowMillis);
    }

    /** Bytes this record takes in memory, roughly: for weighing cache entries. */
    public int weightBytes() {
        int w = 32;
        for (Version v : siblings) {
            w += v.weightBytes();
        }
        return w;
    }

    private static int compareDots(Dot a, Dot b) {
        int c = a.node().compareTo(b.node());
        return c != 0 ? c : Long.compare(a.counter(), b.counter());
    }

    @Override
    public boolean equals(Object o) {
        return this == o || (o instanceof VersionedRecord other && siblings.equals(other.siblings));
    }

    @Override
    public int hashCode() {
        return siblings.hashCode();
    }

    @Override
    public String toString() {
        return "VersionedRecord" + siblings;
    }
}
