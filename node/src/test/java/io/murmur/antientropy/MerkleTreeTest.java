package io.murmur.antientropy;

import io.murmur.ring.TokenRange;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MerkleTreeTest {

    /** Walks every leaf's token bounds and checks they tile the range: no gap, no overlap, in order. */
    private static void assertLeavesTile(TokenRange range, int depth) {
        MerkleTree tree = new MerkleTree(range, depth);
        long expectedFirst = range.start() + 1;
        long tokensSeen = 0;
        boolean ended = false;
        for (int leaf = 0; leaf < tree.leafCount(); leaf++) {
            if (tree.leafIsEmpty(leaf)) {
                ended = true;
                continue;
            }
            assertThat(ended).as("an empty leaf is followed only by empty leaves").isFalse();
            long first = tree.firstToken(leaf);
            long last = tree.lastToken(leaf);
            assertThat(first).as("leaf %d starts where the previous ended", leaf).isEqualTo(expectedFirst);
            assertThat(tree.leafOf(first)).isEqualTo(leaf);
            assertThat(tree.leafOf(last)).isEqualTo(leaf);
            assertThat(range.contains(first) && range.contains(last)).isTrue();
            tokensSeen += last - first + 1;
            expectedFirst = last + 1;
        }
        assertThat(expectedFirst - 1).as("the last leaf ends at the range's end").isEqualTo(range.end());
        if (!range.isFullRing()) {
            assertThat(tokensSeen).as("tokens covered").isEqualTo(range.end() - range.start());
        }
    }

    @Test
    void leavesTileOrdinaryWrappingTinyAndFullRanges() {
        assertLeavesTile(new TokenRange(-1000, 1000), 4);
        assertLeavesTile(new TokenRange(Long.MAX_VALUE - 10, Long.MIN_VALUE + 20), 3); // wraps past the top
        assertLeavesTile(new TokenRange(5, 8), 6); // fewer tokens than leaves
        assertLeavesTile(new TokenRange(0, 1), 1);
        assertLeavesTile(TokenRange.FULL_RING, 10);
        assertLeavesTile(new TokenRange(Long.MIN_VALUE, Long.MAX_VALUE), 8);
        Random random = new Random(3);
        for (int i = 0; i < 200; i++) {
            long a = random.nextLong();
            long b = random.nextLong();
            if (a != b) {
                assertLeavesTile(new TokenRange(a, b), 1 + random.nextInt(12));
            }
        }
    }

    @Test
    void aDeltaAppliedTwiceCancelsAndTheRootTracksTheLeaves() {
        MerkleTree tree = new MerkleTree(TokenRange.FULL_RING, 5);
        long empty = tree.root();
        assertThat(empty).isZero();
        tree.apply(12345, 0xabcdefL);
        long one = tree.root();
        assertThat(one).isNotEqualTo(empty);
        tree.apply(-999, 0x1234L);
        assertThat(tree.root()).isNotEqualTo(one);
        tree.apply(-999, 0x1234L);
        assertThat(tree.root()).isEqualTo(one);
        tree.apply(12345, 0xabcdefL);
        assertThat(tree.root()).isEqualTo(empty);
    }

    @Test
    void aSnapshotIsFrozenAndAnswersOnlyForNodesOfTheTree() {
        MerkleTree tree = new MerkleTree(TokenRange.FULL_RING, 3);
        tree.apply(0, 7);
        MerkleTree.Snapshot snap = tree.snapshot();
        tree.apply(0, 9);
        assertThat(snap.root()).isNotEqualTo(tree.root());
        assertThat(snap.hash(3, tree.leafOf(0))).isEqualTo(7);
        assertThat(snap.hash(0, 0)).isEqualTo(snap.root());
        assertThatThrownBy(() -> snap.hash(4, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> snap.hash(2, 4)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MerkleTree(TokenRange.FULL_RING, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MerkleTree(TokenRange.FULL_RING, 21)).isInstanceOf(IllegalArgumentException.class);
    }
}
