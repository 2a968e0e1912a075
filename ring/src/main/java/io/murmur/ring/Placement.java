package io.murmur.ring;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where a write goes when some replicas are unavailable (sloppy quorum): the intended
 * replicas (the strict preference list), the healthy nodes to use instead, and for each
 * stand-in the intended replica it holds a hint for.
 *
 * <p>{@link #healthy()} lists the available intended replicas first, in preference order,
 * then the stand-ins in clockwise order; the k-th stand-in covers the k-th unavailable
 * intended replica. A stand-in is the next available node clockwise from the key that is not
 * already an intended replica (racks are not considered for stand-ins: they hold data only
 * until the intended replica is back). If fewer available nodes exist than needed,
 * {@link #isComplete()} is false and the caller decides (e.g. {@code UNAVAILABLE}).
 *
 * <p>Design note: the lookup stores member indices in int arrays and builds the lists and
 * the map only when asked, so the lookup itself allocates this object and, only when a
 * replica is unavailable, one small int array. An {@link AvailabilityView} hands out rows of
 * its precomputed table instead (as shorts, half the memory), and allocates nothing else. Use
 * {@link #healthyCount()}, {@link #healthy(int)} and {@link #standsInFor(int)} on hot paths.
 */
public final class Placement {
    private final String[] ids;
    private final int[] intended;
    private final int intendedFrom;
    private final int intendedCount;
    /** Exactly one of {@code healthy} and {@code packed} holds the healthy and stand-in slots. */
    private final int[] healthy;
    private final short[] packed;
    private final int healthyFrom;
    private final int healthyCount;
    /**
     * -1 when nothing stands in; else slot {@code standInFrom + i} (of the same array as the
     * healthy members) is the intended member healthy slot i covers, or -1.
     */
    private final int standInFrom;

    /** {@code standIns} is null (nothing stands in) or the same array as {@code healthy}. */
    Placement(String[] ids, int[] intended, int intendedFrom, int intendedCount,
              int[] healthy, int healthyFrom, int healthyCount, int[] standIns, int standInFrom) {
        this.ids = ids;
        this.intended = intended;
        this.intendedFrom = intendedFrom;
        this.intendedCount = intendedCount;
        this.healthy = healthy;
        this.packed = null;
        this.healthyFrom = healthyFrom;
        this.healthyCount = healthyCount;
        this.standInFrom = standIns == null ? -1 : standInFrom;
    }

    /** A placement over a row of packed member indices: healthy slots, then stand-in slots. */
    Placement(String[] ids, int[] intended, int intendedFrom, int intendedCount,
              short[] packed, int healthyFrom, int healthyCount, int standInFrom) {
        this.ids = ids;
        this.intended = intended;
        this.intendedFrom = intendedFrom;
        this.intendedCount = intendedCount;
        this.healthy = null;
        this.packed = packed;
        this.healthyFrom = healthyFrom;
        this.healthyCount = healthyCount;
        this.standInFrom = standInFrom;
    }

    /** The strict preference list: where the data belongs. */
    public List<String> intended() {
        return new MemberList(ids, intended, intendedFrom, intendedCount);
    }

    /** The nodes to send to: available intended replicas, then stand-ins. */
    public List<String> healthy() {
        if (packed == null) {
            return new MemberList(ids, healthy, healthyFrom, healthyCount);
        }
        int[] members = new int[healthyCount];
        for (int i = 0; i < healthyCount; i++) {
            members[i] = packed[healthyFrom + i];
        }
        return new MemberList(ids, members, 0, healthyCount);
    }

    public int intendedCount() {
        return intendedCount;
    }

    public int healthyCount() {
        return healthyCount;
    }

    /** The i-th healthy node. */
    public String healthy(int index) {
        Objects.checkIndex(index, healthyCount);
        return ids[healthyMember(index)];
    }

    /** The intended replica the i-th healthy node stands in for, or null if it is intended itself. */
    public String standsInFor(int index) {
        Objects.checkIndex(index, healthyCount);
        int member = standInMember(index);
        return member < 0 ? null : ids[member];
    }

    /** Whether some intended replica is replaced by a stand-in. */
    public boolean hasStandIns() {
        return healthyCount > 0 && standInMember(healthyCount - 1) >= 0;
    }

    /** Whether there are as many healthy nodes as intended replicas. */
    public boolean isComplete() {
        return healthyCount == intendedCount;
    }

    /** Stand-in node → the intended replica it covers, in clockwise order of the stand-ins. */
    public Map<String, String> standIns() {
        if (!hasStandIns()) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < healthyCount; i++) {
            int member = standInMember(i);
            if (member >= 0) {
                out.put(ids[healthyMember(i)], ids[member]);
            }
        }
        return Collections.unmodifiableMap(out);
    }

    private int healthyMember(int index) {
        int at = healthyFrom + index;
        return packed != null ? packed[at] : healthy[at];
    }

    /** The intended member healthy slot {@code index} covers, or -1. */
    private int standInMember(int index) {
        if (standInFrom < 0) {
            return -1;
        }
        int at = standInFrom + index;
        return packed != null ? packed[at] : healthy[at];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Placement other
                && intended().equals(other.intended())
                && healthy().equals(other.healthy())
                && standIns().equals(other.standIns());
    }

    @Override
    public int hashCode() {
        return (intended().hashCode() * 31 + healthy().hashCode()) * 31 + standIns().hashCode();
    }

    @Override
    public String toString() {
        return "Placement{intended=" + intended() + ", healthy=" + healthy() + ", standIns=" + standIns() + "}";
    }
}
