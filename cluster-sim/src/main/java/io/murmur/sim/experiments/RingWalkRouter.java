package io.murmur.sim.experiments;

import io.murmur.ring.NodeSet;
import io.murmur.ring.RingSnapshot;

import java.util.BitSet;
import java.util.List;

/**
 * Our ring without a precomputed view: the first healthy node of
 * {@link RingSnapshot#placement(long, int, NodeSet)} for one replica, which tests the key's
 * primary against the failed set and, if it failed, walks clockwise past failed nodes on every
 * lookup. Routes every key exactly as {@link RingRouter}; kept to measure what the view saves.
 */
final class RingWalkRouter implements Router {
    private final String[] nodeIds;
    private final RingSnapshot ring;
    private NodeSet failed;

    RingWalkRouter(String[] nodeIds, RingSnapshot ring) {
        this.nodeIds = nodeIds.clone();
        this.ring = ring;
        this.failed = ring.nodeSet(List.of());
    }

    @Override
    public String name() {
        return "ring (walk)";
    }

    @Override
    public void setFailed(BitSet failedNodes) {
        failed = RingRouter.nodeSet(ring, nodeIds, failedNodes);
    }

    @Override
    public String route(long key) {
        return ring.placement(key, 1, failed).healthy(0);
    }

    @Override
    public long routeBatch(long[] keys, int from, int count) {
        NodeSet down = failed;
        long sink = 0;
        int i = from;
        for (int c = 0; c < count; c++) {
            sink += ring.placement(keys[i], 1, down).healthy(0).hashCode();
            if (++i == keys.length) {
                i = 0;
            }
        }
        return sink;
    }
}
