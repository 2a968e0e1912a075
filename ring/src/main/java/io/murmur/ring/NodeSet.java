package io.murmur.ring;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An immutable set of ring members as a bitset over one snapshot's member numbering, for the
 * sloppy lookup's "is this node unavailable?" test: a bit test instead of a hash lookup per
 * candidate. Member numbers are positions in the snapshot's sorted id array. Built by
 * {@link RingSnapshot#nodeSet}; valid for that snapshot and for snapshots derived from it
 * ({@code with...}, {@code toBuilder()}) that keep the same member ids, so vnode and weight
 * changes keep it valid; a snapshot with other members rejects it (rebuild it then).
 */
public final class NodeSet {
    private final String[] ids;
    private final long[] bits;
    private final int size;

    NodeSet(String[] ids, long[] bits) {
        this.ids = ids;
        this.bits = bits;
        int count = 0;
        for (long word : bits) {
            count += Long.bitCount(word);
        }
        this.size = count;
    }

    boolean containsMember(int member) {
        return (bits[member >>> 6] & (1L << member)) != 0;
    }

    boolean numbersMembersLike(String[] memberIds) {
        return ids == memberIds;
    }

    public boolean contains(String nodeId) {
        int m = Arrays.binarySearch(ids, nodeId);
        return m >= 0 && containsMember(m);
    }

    public int size() {
        return size;
    }

    public List<String> nodeIds() {
        List<String> out = new ArrayList<>(size);
        for (int m = 0; m < ids.length; m++) {
            if (containsMember(m)) {
                out.add(ids[m]);
            }
        }
        return List.copyOf(out);
    }

    @Override
    public String toString() {
        return "NodeSet" + nodeIds();
    }
}
