package io.murmur.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Preference lists against a brute-force walk, and their properties, over seeded random rings. */
class PreferenceListPropertyTest {

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 60);
    }

    private static RingSnapshot.TokenFunction tokensFor(long seed) {
        return seed % 4 == 0 ? RandomRings.crowdedTokens() : RingMember::tokenOf;
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void matchesBruteForceWalk(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<RingMember> members = RandomRings.members(rnd, RandomRings.SMALL);
        RingSnapshot.TokenFunction tokens = tokensFor(seed);
        int width = 1 + rnd.nextInt(5);
        RingSnapshot ring = RingSnapshot.builder().addAll(members).precomputedReplicas(width)
                .tokenFunction(tokens).build();
        BruteForceRing brute = new BruteForceRing(members, tokens);

        assertThat(ring.tokenCount()).as("seed %d: token count", seed).isEqualTo(brute.entries().size());
        for (long token : RandomRings.probeTokens(rnd, brute, 150)) {
            int n = 1 + rnd.nextInt(members.size() + 2);
            assertThat(ring.preferenceList(token, n))
                    .as("seed %d token %d n %d width %d", seed, token, n, width)
                    .containsExactlyElementsOf(brute.preferenceList(token, n));
            assertThat(ring.primary(token)).as("seed %d token %d primary", seed, token)
                    .isEqualTo(brute.primary(token));
        }
    }

    @Test
    void matchesBruteForceWalkOnALargeRing() {
        long seed = 1024;
        SplittableRandom rnd = new SplittableRandom(seed);
        List<RingMember> members = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            members.add(RingMember.of("host-" + i, "rack-" + (i % 5), 256));
        }
        RingSnapshot ring = RingSnapshot.of(members);
        BruteForceRing brute = new BruteForceRing(members);
        for (long token : RandomRings.probeTokens(rnd, brute, 300)) {
            for (int n = 1; n <= 5; n++) {
                assertThat(ring.preferenceList(token, n)).as("seed %d token %d n %d", seed, token, n)
                        .containsExactlyElementsOf(brute.preferenceList(token, n));
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void holdsDistinctNodesAndDistinctRacksWhenPossible(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<RingMember> members = RandomRings.members(rnd, RandomRings.SMALL);
        RingSnapshot ring = RingSnapshot.builder().addAll(members).tokenFunction(tokensFor(seed)).build();
        for (int probe = 0; probe < 200; probe++) {
            long token = rnd.nextLong();
            int n = 1 + rnd.nextInt(members.size() + 2);
            List<String> list = ring.preferenceList(token, n);
            assertThat(list).as("seed %d token %d n %d: size", seed, token, n)
                    .hasSize(Math.min(n, members.size()))
                    .doesNotHaveDuplicates();
            List<String> racks = new ArrayList<>();
            for (String node : list) {
                racks.add(ring.member(node).orElseThrow().rack());
            }
            assertThat(new HashSet<>(racks)).as("seed %d token %d n %d: racks %s", seed, token, n, racks)
                    .hasSize(Math.min(list.size(), ring.rackCount()));
            assertThat(racks.subList(0, Math.min(list.size(), ring.rackCount())))
                    .as("seed %d token %d n %d: the first replicas are rack-distinct", seed, token, n)
                    .doesNotHaveDuplicates();
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void changesOnlyWhenAJoiningNodeEntersTheList(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<RingMember> members = RandomRings.members(rnd, RandomRings.SMALL);
        RingSnapshot before = RingSnapshot.of(members);
        RingMember joiner = RandomRings.member(rnd, "joiner", 1 + rnd.nextInt(7), RandomRings.SMALL);
        RingSnapshot after = before.withMember(joiner);
        assertStable(seed, rnd, before, after, joiner.nodeId());
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void changesOnlyWhenALeavingNodeLeavesTheList(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<RingMember> members = RandomRings.members(rnd, RandomRings.SMALL);
        if (members.size() < 2) {
            members.add(RingMember.of("extra", "rack-x", 4));
        }
        RingSnapshot before = RingSnapshot.of(members);
        String leaver = members.get(rnd.nextInt(members.size())).nodeId();
        RingSnapshot after = before.withoutMember(leaver);
        // Leaving is joining backwards: the list after the leave changes only if the leaver was in it.
        assertStable(seed, rnd, after, before, leaver);
    }

    /** Across {@code without → with}, a list changes only if it contains {@code node} in {@code with}. */
    private static void assertStable(long seed, SplittableRandom rnd, RingSnapshot without, RingSnapshot with,
                                     String node) {
        for (int probe = 0; probe < 300; probe++) {
            long token = rnd.nextLong();
            int n = 1 + rnd.nextInt(5);
            List<String> a = without.preferenceList(token, n);
            List<String> b = with.preferenceList(token, n);
            if (!b.contains(node)) {
                assertThat(b).as("seed %d token %d n %d: %s is not in %s, so nothing changes", seed, token, n, node, b)
                        .containsExactlyElementsOf(a);
            }
        }
    }

    @Test
    void byteKeysAreHashedWithTokenOf() {
        RingSnapshot ring = RingSnapshot.of(List.of(
                RingMember.of("a", "r1", 8), RingMember.of("b", "r2", 8), RingMember.of("c", "r3", 8)));
        byte[] key = "user:42".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(ring.preferenceList(key, 2)).isEqualTo(ring.preferenceList(Token.of(key), 2));
    }
}
