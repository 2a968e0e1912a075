package io.murmur.membership;

import io.murmur.proto.peer.MemberStatus;

/**
 * One row of a {@link MembershipView}: what a node knows of one member at one moment.
 *
 * @param phi suspicion from this node's detector, or {@code NaN} when this node does not
 *            watch that member (each member is watched by a few others, not by everyone)
 */
public record MemberInfo(String nodeId, boolean self, String clientAddress, String peerAddress, String rack,
                         long generation, long version, long heartbeat, MemberStatus status, Liveness liveness,
                         double phi, int vnodes, int weight, long loadBytes, long keyEstimate) {
}
