package io.murmur.client;

import io.murmur.proto.client.ClusterInfo;
import io.murmur.proto.client.Member;
import io.murmur.ring.RingMember;
import io.murmur.ring.RingSnapshot;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cluster as one {@link ClusterInfo} describes it, for routing: the ring rebuilt from
 * the members, where each member takes client connections, and which members the
 * answering node believes ALIVE. Immutable; the router swaps in a new one per refresh.
 *
 * <p>Design note: a member's tokens are derived from its id, vnodes and weight, so the
 * members NORMAL or LEAVING are all it takes to compute the very ring the nodes compute
 * (the node's own rule, see {@code Membership}). A member list the ring refuses (a
 * malformed member, say) leaves the view without a ring: requests then go round-robin,
 * which is always correct, only not direct. The view says where a key's replicas are; it
 * never decides correctness, since any node coordinates any request.
 */
final class ClusterView {
    /** Before any ClusterInfo arrived: no ring, no members. */
    static final ClusterView UNKNOWN = new ClusterView(null, Map.of(), 1, null);

    /** How one member is reached and whether it may be asked. */
    record Node(String nodeId, HostAddress address, boolean alive, boolean left) {
    }

    private final RingSnapshot ring;
    private final Map<String, Node> nodes;
    private final int replicas;
    private final String answeredBy;

    private ClusterView(RingSnapshot ring, Map<String, Node> nodes, int replicas, String answeredBy) {
        this.ring = ring;
        this.nodes = nodes;
        this.replicas = replicas;
        this.answeredBy = answeredBy;
    }

    /**
     * The view {@code info} describes, with the replicas per key it reports, or
     * {@code replicationFactor} when it reports none.
     * {@code previous} lends its ring when the ring's members did not change, so a periodic
     * refresh of a stable cluster rebuilds nothing.
     */
    static ClusterView from(ClusterInfo info, int replicationFactor, ClusterView previous) {
        if (replicationFactor < 1) {
            throw new IllegalArgumentException("replicationFactor must be at least 1: " + replicationFactor);
        }
        if (info.getReplicationFactor() > 0) {
            replicationFactor = info.getReplicationFactor();
        }
        Map<String, Node> nodes = new LinkedHashMap<>();
        List<RingMember> ringMembers = new ArrayList<>();
        boolean ringValid = true;
        for (Member m : info.getMembersList()) {
            if (m.getNodeId().isEmpty() || nodes.containsKey(m.getNodeId())) {
                continue;
            }
            boolean alive = "ALIVE".equals(m.getLiveness()) || m.getNodeId().equals(info.getNodeId());
            boolean left = "LEFT".equals(m.getStatus());
            nodes.put(m.getNodeId(), new Node(m.getNodeId(), address(m), alive, left));
            if ("NORMAL".equals(m.getStatus()) || "LEAVING".equals(m.getStatus())) {
                try {
                    // weight 0: a node that does not report weights, which means weight 1
                    ringMembers.add(new RingMember(m.getNodeId(), m.getRack(), m.getVnodes(),
                            m.getWeight() == 0 ? 1 : m.getWeight()));
                } catch (IllegalArgumentException | NullPointerException e) {
                    ringValid = false;
                }
            }
        }
        RingSnapshot ring = null;
        if (ringValid && !ringMembers.isEmpty()) {
            ringMembers.sort((a, b) -> a.nodeId().compareTo(b.nodeId()));
            if (previous != null && previous.ring != null && previous.ring.members().equals(ringMembers)
                    && previous.replicas == replicationFactor) {
                ring = previous.ring;
            } else {
                try {
                    ring = RingSnapshot.builder()
                            .precomputedReplicas(Math.min(replicationFactor, RingSnapshot.MAX_PRECOMPUTED_REPLICAS))
                            .addAll(ringMembers)
                            .build();
                } catch (IllegalArgumentException e) {
                    ring = null; // too many members or tokens, or a member lost every token
                }
            }
        }
        return new ClusterView(ring, Collections.unmodifiableMap(nodes), replicationFactor, info.getNodeId());
    }

    private static HostAddress address(Member m) {
        if (m.getHost().isEmpty() || m.getClientPort() < 1 || m.getClientPort() > 65535) {
            return null;
        }
        try {
            return HostAddress.of(m.getHost(), m.getClientPort());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    boolean hasRing() {
        return ring != null;
    }

    /** The ring rebuilt from the members; null when there is none. */
    RingSnapshot ring() {
        return ring;
    }

    /** The node whose ClusterInfo this is; null for {@link #UNKNOWN}. */
    String answeredBy() {
        return answeredBy;
    }

    /** Every member listed, LEFT ones included, in the order the node listed them. */
    Map<String, Node> nodes() {
        return nodes;
    }

    /**
     * The key's replicas the answering node called ALIVE and that have a client address,
     * in preference-list order: where a request for the key should go. Empty without a
     * ring. For a read, pass a different {@code spin} per request to rotate the list so
     * that reads spread over the replicas; for a write pass 0, so it goes to the first
     * ALIVE replica (the coordinator of a write must be a replica).
     */
    List<String> replicasFor(byte[] key, int spin) {
        if (ring == null) {
            return List.of();
        }
        List<String> preference = ring.preferenceList(key, Math.min(replicas, ring.size()));
        List<String> alive = new ArrayList<>(preference.size());
        for (String id : preference) {
            Node n = nodes.get(id);
            if (n != null && n.alive() && !n.left() && n.address() != null) {
                alive.add(id);
            }
        }
        if (alive.size() > 1 && spin != 0) {
            Collections.rotate(alive, -Math.floorMod(spin, alive.size()));
        }
        return alive;
    }

    /** Members that may take any request: ALIVE, not LEFT, with a client address. */
    List<Node> reachable() {
        List<Node> out = new ArrayList<>();
        for (Node n : nodes.values()) {
            if (n.alive() && !n.left() && n.address() != null) {
                out.add(n);
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "ClusterView{from=" + answeredBy + ", members=" + nodes.size() + ", ring="
                + (ring == null ? "none" : ring.size() + " members") + ", replicas=" + replicas + "}";
    }
}
