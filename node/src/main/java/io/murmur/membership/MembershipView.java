package io.murmur.membership;

import java.util.List;
import java.util.Optional;

/**
 * An immutable picture of membership as one node sees it.
 *
 * @param selfId          the node that took it
 * @param members         every member it lists, itself included, sorted by node id
 * @param ringFingerprint a hash of the ring's content (members in the ring with their
 *                        racks, vnodes and weights); nodes that agree on the ring show the
 *                        same fingerprint
 */
public record MembershipView(String selfId, List<MemberInfo> members, long ringFingerprint) {
    public MembershipView {
        members = List.copyOf(members);
    }

    public Optional<MemberInfo> member(String nodeId) {
        return members.stream().filter(m -> m.nodeId().equals(nodeId)).findFirst();
    }
}
