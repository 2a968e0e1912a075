package io.murmur.sim.experiments;

import io.murmur.ring.AvailabilityView;
import io.murmur.ring.NodeSet;
import io.murmur.ring.RingMember;
import io.murmur.ring.RingSnapshot;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Our ring as a node routes: the first healthy node of the sloppy placement for one replica,
 * i.e. the key's primary if it is live, else the next live node clockwise from the key, read
 * from an {@link AvailabilityView} (N = 1) that {@link #setFailed} builds once per failed set.
 * A lookup is then a search plus one precomputed row, whatever fraction of the nodes failed;
 * the walk past failed nodes is paid at build time, which {@link #buildNanos()} reports and
 * which is not part of the lookup throughput. {@link RingWalkRouter} routes the same keys to
 * the same nodes by walking past failed nodes on every lookup.
 */
final class RingRouter implements Router {
    private final String[] nodeIds;
    private final RingSnapshot ring;
    private NodeSet failed;
    private AvailabilityView view;
    private long buildNanos;

    RingRouter(String[] nodeIds, RingSnapshot ring) {
        this.nodeIds = nodeIds.clone();
        this.ring = ring;
        this.failed = ring.nodeSet(List.of());
        this.view = ring.availabilityView(failed, 1);
    }

    /** A ring of {@code nodeIds}, each with {@code vnodes} tokens, all in one rack. */
    static RingSnapshot ring(String[] nodeIds, int vnodes, String rack) {
        List<RingMember> members = new ArrayList<>(nodeIds.length);
        for (String id : nodeIds) {
            members.add(RingMember.of(id, rack, vnodes));
        }
        return RingSnapshot.of(members);
    }

    /** The node set of {@code failedNodes} (by number) on {@code ring}. */
    static NodeSet nodeSet(RingSnapshot ring, String[] nodeIds, BitSet failedNodes) {
        List<String> ids = new ArrayList<>(failedNodes.cardinality());
        failedNodes.stream().forEach(i -> ids.add(nodeIds[i]));
        return ring.nodeSet(ids);
    }

    @Override
    public String name() {
        return "ring";
    }

    @Override
    public void setFailed(BitSet failedNodes) {
        failed = nodeSet(ring, nodeIds, failedNodes);
        long t0 = System.nanoTime();
        view = ring.availabilityView(failed, 1);
        buildNanos = System.nanoTime() - t0;
    }

    /** How long {@link #setFailed} took to build the view in use, in nanoseconds. */
    long buildNanos() {
        return buildNanos;
    }

    /**
     * Builds the view for the current failed set again, {@code times} times, and returns how
     * long each build took, in nanoseconds. Each new view equals the one it replaces.
     */
    long[] rebuildNanos(int times) {
        long[] out = new long[times];
        for (int i = 0; i < times; i++) {
            long t0 = System.nanoTime();
            view = ring.availabilityView(failed, 1);
            out[i] = System.nanoTime() - t0;
        }
        return out;
    }

    /** The number of tokens on the ring. */
    int tokens() {
        return ring.tokenCount();
    }

    @Override
    public String route(long key) {
        return view.placement(key).healthy(0);
    }

    @Override
    public long routeBatch(long[] keys, int from, int count) {
        AvailabilityView v = view;
        long sink = 0;
        int i = from;
        for (int c = 0; c < count; c++) {
            sink += v.placement(keys[i]).healthy(0).hashCode();
            if (++i == keys.length) {
                i = 0;
            }
        }
        return sink;
    }
}
