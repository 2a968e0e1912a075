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
 *
 * <p>Dots must never be reused: a replica that holds {@code n:k} treats another
 * {@code n:k} as the same write, and a version whose context covers {@code n:k} as
 * superseding it. A coordinator takes its next counter from its own record
 * ({@link #nextVersion}), so the record forgetting the node's writes would restart the
 * count: after the key's tombstones are purged (each replica purges on its own
 * schedule), after the node's disk is lost, or after pruning dropped the node's entry
 * from the contexts of the versions that superseded its writes. A new write {@code n:1}
 * would then be the same dot as an old {@code n:1}, or be covered by an old tombstone's
 * context, on a replica that still holds them, and be dropped there although it was
 * acknowledged.
 *
 * <p>Other coordinators' versions are no measure of the node's count: their contexts are
 * their clients' contexts, which may predate the node's latest write. After the node
 * purged its tombstone {@code n:3}, a write through another node by a client that read
 * the key before the delete carries {@code n:2}; counting on from that would issue
 * {@code n:3} again. Only a sibling the node wrote proves that the record holds its count:
 * the node stored that write in its own record, which since then dropped versions only
 * for ones whose histories cover them (a purge drops them all, and then the sibling would
 * be gone too).
 *
 * <p>So when the record holds no sibling the coordinator wrote, the new counter is
 * floored by the coordinator's wall clock in microseconds ({@code nowMillis * 1000}),
 * which exceeds any counter the node issued for the key before: to catch up, a key would
 * need more than one write per microsecond through that node ever since its previous
 * floor (for a purge, for at least the whole grace period), or the node's clock would
 * have to step back about that far. The new version's context also claims
 * {@code n:counter-1}, every earlier dot of the node, so that it supersedes whatever
 * older version of the node a replica still holds (an unpurged tombstone included), and
 * so that {@link #context()}'s rule that dots run on without a gap extends a client's
 * context over the new dot. The claim is kept when the context is pruned: without it the
 * new version would not supersede the old ones. It is safe: a version of {@code n} that
 * this record does not hold was either superseded here already, or purged here as an
 * expired tombstone (or superseded by one), so the new write only does on a lagging
 * replica what has been done here before it; or it was lost with the node's disk, and
 * then the new write replaces it even without a context that covers it (where it would
 * otherwise have become a sibling). That is the intended outcome: the node no longer
 * knows the write, and restarting the count instead would risk dropping the new,
 * acknowledged write. Versions of other coordinators are untouched by the claim. The
 * cost is larger
 * counters: about 7 more bytes of varint per clock entry and dot than the small counters
 * the node used to start from. Once the record holds the node's writes, its counters go
 * on by one.
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
     * The next version a coordinator writes, with the client's context pruned to
     * {@code maxClockEntries}.
     *
     * <p>When the record holds a sibling {@code node} coordinated, the dot is {@code node}'s
     * next counter: one past the largest the record's histories and the client's context
     * have seen, and the context is the client's. When it holds none (never written through
     * {@code node}, superseded by other coordinators' writes, purged, or lost with
     * {@code node}'s disk; other versions' contexts may still name an older write of
     * {@code node}, which proves nothing), the counter is floored by the wall clock, one past
     * {@code max(client's counter, nowMillis * 1000)}, and the context also claims every
     * earlier dot of {@code node}, {@code node:counter-1}; that entry is kept when the
     * context is pruned. See the class's design note for why.
     *
     * @param value     the new value, or {@code null} for a tombstone
     * @param nowMillis the coordinator's wall clock: the version's timestamp and, for a
     *                  node's first write in this record, its counter floor
     */
    public Version nextVersion(String node, VectorClock clientContext, byte[] value, long nowMillis,
                               int maxClockEntries) {
        long seen = 0;
        boolean holdsOwn = false;
        for (Version s : siblings) {
            seen = Math.max(seen, s.history().counter(node));
            holdsOwn |= s.dot().node().equals(node);
        }
        long counter;
        VectorClock ctx;
        if (holdsOwn) {
            counter = Math.max(clientContext.counter(node), seen) + 1;
            ctx = clientContext.prune(maxClockEntries);
        } else {
            counter = Math.max(Math.max(clientContext.counter(node), seen), counterFloor(nowMillis)) + 1;
            // The claim covers this node's earlier writes, all superseded here; it must cover
            // what they superseded too, or reconciliation would depend on arrival order. The
            // siblings that superseded them cover that, so their contexts (never their own
            // dots) join the claim: everything a context covers is superseded already.
            VectorClock claim = clientContext;
            for (Version s : siblings) {
                claim = claim.merge(s.context());
            }
            ctx = counter > 1
                    ? claim.withAtLeast(node, counter - 1, nowMillis).prune(maxClockEntries, node)
                    : claim.prune(maxClockEntries);
        }
        Dot dot = new Dot(node, counter);
        return value == null ? Version.tombstone(dot, ctx, nowMillis) : Version.value(dot, ctx, value, nowMillis);
    }

    /** The wall clock in microseconds: the least counter a node's first write in a record may take. */
    static long counterFloor(long nowMillis) {
        return Math.max(0, Math.min(nowMillis, Long.MAX_VALUE / 2000)) * 1000;
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
