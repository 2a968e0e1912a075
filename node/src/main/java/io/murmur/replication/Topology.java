package io.murmur.replication;

import io.murmur.ring.RingSnapshot;

/**
 * What the replication core needs to know about the cluster, from membership: the ring,
 * who is worth sending to, and where. Calls are cheap and never block; answers may change
 * between calls.
 */
public interface Topology {
    /** The current ring. */
    RingSnapshot ring();

    /** Whether {@code nodeId} is believed up (not DOWN); this node always is. */
    boolean isLive(String nodeId);

    /**
     * Whether this node knows the whole ring: a node that has just (re)started may hold a
     * partial one, and placing data by it would put acknowledged writes on the wrong nodes.
     * Until then it coordinates nothing (it still serves as a replica).
     */
    boolean ready();

    /** Where to send to {@code nodeId} ({@code host:port} on a real node, the id in the simulator), or null. */
    String addressOf(String nodeId);
}
