package io.murmur.server;

import io.murmur.ring.RingDiff;
import io.murmur.ring.RingMember;
import io.murmur.ring.RingSnapshot;
import io.murmur.storage.RocksDbStorage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * This node's view of the ring, and the one place that changes this node's vnode count.
 *
 * <p>The ring itself comes from membership: every node builds it from the members it
 * knows, so all converge to the same one. The vnode count is settled like a node id:
 * taken from the config at the first start, then kept in the data dir's {@code meta}
 * family, because a node's tokens decide which data it holds and must not change by
 * accident when a config file is edited. A different {@code node.vnodes} in the config at
 * a later start is reported and ignored; {@link #setVnodes} (the {@code murmur vnodes N}
 * admin command) changes it on a running node and gossips the change.
 */
final class LocalRing {
    private static final Logger log = LoggerFactory.getLogger(LocalRing.class);
    static final String META_VNODES = "vnodes";

    /** What a vnode change did. */
    record Change(int previousVnodes, int vnodes, long epoch, int rangesMoved, double movedFraction) {
    }

    private final String nodeId;
    private final RocksDbStorage meta;
    private final GossipService gossip;

    LocalRing(String nodeId, RocksDbStorage meta, GossipService gossip) {
        this.nodeId = nodeId;
        this.meta = meta;
        this.gossip = gossip;
    }

    /** The vnode count this node runs with: the stored one, or the config's at the first start. */
    static int settleVnodes(NodeConfig config, RocksDbStorage meta) {
        Optional<Integer> stored = meta.getMeta(META_VNODES).map(b -> ByteBuffer.wrap(b).getInt());
        if (stored.isPresent()) {
            int vnodes = stored.get();
            if (vnodes != config.vnodes) {
                log.warn("node.vnodes is {} in the config but this node has {} (kept with its data); "
                        + "change it with `murmur vnodes {}`", config.vnodes, vnodes, config.vnodes);
            }
            return vnodes;
        }
        store(meta, config.vnodes);
        return config.vnodes;
    }

    RingSnapshot current() {
        return gossip.ring();
    }

    /**
     * Changes this node's vnode count: stored so that a restart keeps it, announced to the
     * cluster, and reported as the share of the token space whose owner changes.
     *
     * @throws IllegalArgumentException if {@code vnodes} is out of range
     */
    synchronized Change setVnodes(int vnodes) {
        if (vnodes < 1 || vnodes > RingMember.MAX_VNODES) {
            throw new IllegalArgumentException("vnodes must be between 1 and " + RingMember.MAX_VNODES + ", got "
                    + vnodes);
        }
        record Before(int vnodes, RingSnapshot ring) {
        }
        Before now = gossip.call(m -> new Before(m.self().getVnodes(), m.ring())).join();
        int previous = now.vnodes();
        RingSnapshot before = now.ring();
        if (previous == vnodes) {
            return new Change(previous, vnodes, before.epoch(), 0, 0);
        }
        store(meta, vnodes);
        RingSnapshot after = gossip.call(m -> {
            m.setVnodes(vnodes);
            return m.ring();
        }).join();
        RingDiff diff = RingSnapshot.diff(before, after, 1);
        log.info("vnodes of {} changed from {} to {}: ring epoch {}, {} ranges ({}% of the token space) move",
                nodeId, previous, vnodes, after.epoch(), diff.movements().size(),
                String.format("%.2f", diff.movedFraction() * 100));
        return new Change(previous, vnodes, after.epoch(), diff.movements().size(), diff.movedFraction());
    }

    private static void store(RocksDbStorage meta, int vnodes) {
        meta.putMeta(META_VNODES, ByteBuffer.allocate(4).putInt(vnodes).array());
    }
}
