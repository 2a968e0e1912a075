package io.murmur.ring;

import java.util.Objects;

/**
 * The sloppy placement of every key on one {@link RingSnapshot}, for one set of unavailable
 * nodes and one replication factor, computed ahead of time. Built by
 * {@link RingSnapshot#availabilityView}; {@link #placement(long)} returns exactly what
 * {@link RingSnapshot#placement(long, int, NodeSet)} returns for the same snapshot, set and
 * replication factor.
 *
 * <p>Design note. Which nodes are unavailable changes rarely (on membership or liveness
 * changes, seconds apart) while lookups happen per request, so the view pays for the
 * clockwise walk past failed nodes once, at build time, for every token position: one row
 * per position holds the healthy nodes and which intended replica each one stands in for,
 * next to the snapshot's strict preference table. A lookup is then the strict lookup's
 * bucketed binary search plus one row, whatever fraction of the nodes is unavailable, and
 * allocates only the returned {@link Placement}. Memory: {@code 4 × N} bytes per token
 * (N = {@link #replicas()}, capped at the member count; member indices are stored as shorts),
 * plus {@code 4 × N} more when N is wider than the snapshot's precomputed rows; 12 bytes per
 * token for N = 3, as much as the strict table. Building costs O(tokens × N²).
 *
 * <p>Immutable and thread-safe. Build a new view when the set of unavailable nodes or the
 * snapshot changes.
 */
public final class AvailabilityView {
    private static final int[] NO_INTS = new int[0];

    private final RingSnapshot ring;
    private final NodeSet unavailable;
    private final int replicas;
    private final String[] ids;
    private final int count;
    private final int[] intended;
    private final int intendedWidth;
    private final short[] rows;
    private final int rowWidth;
    private final int healthyCount;

    /**
     * @param count        replicas per key, {@code min(replicas, members)}
     * @param intended     strict preference rows, {@code intendedWidth} wide, of which the first
     *                     {@code count} entries are used
     * @param rows         per position, {@code 2 × count} member indices: the healthy nodes, then
     *                     for each healthy slot the intended replica it stands in for, or -1
     * @param healthyCount healthy nodes per key (the same for every key)
     */
    AvailabilityView(RingSnapshot ring, NodeSet unavailable, int replicas, String[] ids, int count,
                     int[] intended, int intendedWidth, short[] rows, int healthyCount) {
        this.ring = ring;
        this.unavailable = unavailable;
        this.replicas = replicas;
        this.ids = ids;
        this.count = count;
        this.intended = intended;
        this.intendedWidth = intendedWidth;
        this.rows = rows;
        this.rowWidth = 2 * count;
        this.healthyCount = healthyCount;
    }

    /** The snapshot this view was built from. */
    public RingSnapshot snapshot() {
        return ring;
    }

    /** The nodes this view treats as unavailable. */
    public NodeSet unavailable() {
        return unavailable;
    }

    /** The replication factor this view answers for, as asked. */
    public int replicas() {
        return replicas;
    }

    /** Whether every key gets as many healthy nodes as intended replicas. */
    public boolean isComplete() {
        return healthyCount == count;
    }

    /**
     * The sloppy placement of {@code token}: equal to
     * {@code snapshot().placement(token, replicas(), unavailable())}. Allocates only the
     * returned object.
     */
    public Placement placement(long token) {
        if (count == 0) {
            return new Placement(ids, NO_INTS, 0, 0, NO_INTS, 0, 0, null, 0);
        }
        int pos = ring.position(token);
        int base = pos * rowWidth;
        return new Placement(ids, intended, pos * intendedWidth, count, rows, base, healthyCount,
                base + count);
    }

    /** The sloppy placement of a key: {@link #placement(long)} of its token. */
    public Placement placement(byte[] key) {
        return placement(Token.of(Objects.requireNonNull(key, "key")));
    }

    @Override
    public String toString() {
        return "AvailabilityView{epoch=" + ring.epoch() + ", replicas=" + replicas + ", unavailable="
                + unavailable.size() + " of " + ids.length + "}";
    }
}
