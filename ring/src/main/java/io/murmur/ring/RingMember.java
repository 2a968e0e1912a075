package io.murmur.ring;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A physical node as the ring sees it: its id, its rack, how many virtual nodes it asks for,
 * and a weight that multiplies them (a bigger machine owns more of the ring).
 *
 * <p>Design note: a member's tokens are not stored but derived, {@code token(i) =
 * Murmur3(utf8(nodeId + "#" + i))} for {@code i < vnodes × weight}. Every node computes the
 * same ring from the same member list, nothing about tokens needs gossiping, and changing the
 * vnode count only adds or removes the tokens with the highest indices, so only the ranges
 * next to those tokens move. The index is all digits and comes after the last {@code '#'},
 * so two different {@code (nodeId, index)} pairs never hash the same string.
 */
public record RingMember(String nodeId, String rack, int vnodes, int weight) {
    /** Longest node id or rack name accepted, in chars. */
    public static final int MAX_ID_CHARS = 128;
    /** Most virtual nodes one member may ask for (before weight). */
    public static final int MAX_VNODES = 4096;
    /** Largest weight: a member owns at most this many times the share of a weight-1 member. */
    public static final int MAX_WEIGHT = 16;

    public RingMember {
        requireName(nodeId, "nodeId");
        requireName(rack, "rack");
        if (vnodes < 1 || vnodes > MAX_VNODES) {
            throw new IllegalArgumentException(
                    "vnodes must be in [1, " + MAX_VNODES + "], got " + vnodes + " for " + nodeId);
        }
        if (weight < 1 || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException(
                    "weight must be in [1, " + MAX_WEIGHT + "], got " + weight + " for " + nodeId);
        }
    }

    /** A member of weight 1. */
    public static RingMember of(String nodeId, String rack, int vnodes) {
        return new RingMember(nodeId, rack, vnodes, 1);
    }

    /** How many tokens this member places on the ring: {@code vnodes × weight}. */
    public int tokenCount() {
        return vnodes * weight;
    }

    public RingMember withVnodes(int newVnodes) {
        return new RingMember(nodeId, rack, newVnodes, weight);
    }

    public RingMember withWeight(int newWeight) {
        return new RingMember(nodeId, rack, vnodes, newWeight);
    }

    /**
     * The member's tokens in index order, as derived (a snapshot may drop one that collides
     * with another member's token; see {@link RingSnapshot#tokensOf}).
     */
    public long[] tokens() {
        long[] out = new long[tokenCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = tokenOf(nodeId, i);
        }
        return out;
    }

    /** The token of virtual node {@code index} of node {@code nodeId}. */
    public static long tokenOf(String nodeId, int index) {
        if (index < 0) {
            throw new IllegalArgumentException("vnode index must be >= 0, got " + index);
        }
        return Murmur3.hash64((nodeId + "#" + index).getBytes(StandardCharsets.UTF_8));
    }

    private static void requireName(String value, String what) {
        Objects.requireNonNull(value, what);
        if (value.isEmpty() || value.length() > MAX_ID_CHARS) {
            throw new IllegalArgumentException(
                    what + " must have 1.." + MAX_ID_CHARS + " chars, got " + value.length());
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c)) {
                throw new IllegalArgumentException(what + " must not contain whitespace or control chars: '" + value + "'");
            }
        }
    }
}
