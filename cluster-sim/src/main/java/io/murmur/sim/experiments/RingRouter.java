package io.murmur.sim.experiments;

import io.murmur.ring.NodeSet;
import io.murmur.ring.RingMember;
import io.murmur.ring.RingSnapshot;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Our ring: the first healthy node of the sloppy placement for one replica
 * ({@link RingSnapshot#placement(long, int, NodeSet)}), i.e. the key's primary if it is live,
 * else the next live node clockwise from the key.
 */
final class RingRouter implements Router {
    private final String[] nodeIds;
    private final RingSnapshot ring;
    private NodeSet failed;

    RingRouter(String[] nodeIds, int vnodes, String rack) {
        this.nodeIds = nodeIds.clone();
        List<RingMember> members = new ArrayList<>(nodeIds.length);
        for (String id : nodeIds) {
            members.add(RingMember.of(id, rack, vnodes));
        }
        this.ring = RingSnapshot.of(members);
        this.failed = ring.nodeSet(List.of());
    }

    @Override
    public String name() {
        return "ring";
    }

    @Override
    public void setFailed(BitSet failedNodes) {
        List<String> ids = new ArrayList<>(failedNodes.cardinality());
        failedNodes.stream().forEach(i -> ids.add(nodeIds[i]));
        failed = ring.nodeSet(ids);
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
