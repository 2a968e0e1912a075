package io.murmur.ring;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Seeded generators of ring shapes for the property tests. */
final class RandomRings {
    private RandomRings() {
    }

    /** Shape limits for one generated ring. */
    record Shape(int maxNodes, int maxVnodes, int maxRacks, int maxWeight) {
    }

    static final Shape SMALL = new Shape(24, 24, 6, 3);

    /** A random small ring, with crowded tokens (collisions) one seed in four, and its brute-force twin. */
    record Case(List<RingMember> members, RingSnapshot ring, BruteForceRing brute) {
    }

    static Case smallCase(SplittableRandom rnd, long seed) {
        List<RingMember> members = members(rnd, SMALL);
        RingSnapshot.TokenFunction tokens = seed % 4 == 0 ? crowdedTokens() : RingMember::tokenOf;
        RingSnapshot ring = RingSnapshot.builder().addAll(members).precomputedReplicas(1 + rnd.nextInt(4))
                .tokenFunction(tokens).build();
        return new Case(members, ring, new BruteForceRing(members, tokens));
    }

    static List<RingMember> members(SplittableRandom rnd, Shape shape) {
        int nodes = 1 + rnd.nextInt(shape.maxNodes());
        int racks = 1 + rnd.nextInt(shape.maxRacks());
        List<RingMember> out = new ArrayList<>(nodes);
        for (int i = 0; i < nodes; i++) {
            out.add(member(rnd, "node-" + i, racks, shape));
        }
        return out;
    }

    static RingMember member(SplittableRandom rnd, String id, int racks, Shape shape) {
        return new RingMember(id, "rack-" + rnd.nextInt(racks), 1 + rnd.nextInt(shape.maxVnodes()),
                1 + rnd.nextInt(shape.maxWeight()));
    }

    /**
     * A token function that makes collisions common: index 0 keeps its real token (so every
     * member keeps at least one), the others land in a space of 256 tokens.
     */
    static RingSnapshot.TokenFunction crowdedTokens() {
        return (id, i) -> i == 0 ? RingMember.tokenOf(id, 0) : RingMember.tokenOf(id, i) & 0xff;
    }

    /** Keys worth probing: random, the extremes, and each side of some ring tokens. */
    static long[] probeTokens(SplittableRandom rnd, BruteForceRing brute, int randomCount) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < randomCount; i++) {
            out.add(rnd.nextLong());
        }
        out.add(Long.MIN_VALUE);
        out.add(Long.MAX_VALUE);
        out.add(0L);
        List<BruteForceRing.Entry> entries = brute.entries();
        for (int i = 0; i < Math.min(40, entries.size()); i++) {
            long t = entries.get(rnd.nextInt(entries.size())).token();
            out.add(t);
            out.add(t - 1);
            out.add(t + 1);
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }
}
