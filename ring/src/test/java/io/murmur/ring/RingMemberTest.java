package io.murmur.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RingMemberTest {

    @Test
    void tokensAreTheHashOfIdHashIndex() {
        RingMember m = RingMember.of("node-1", "r1", 3);
        assertThat(m.tokens()).containsExactly(
                Murmur3.hash64("node-1#0".getBytes(StandardCharsets.UTF_8)),
                Murmur3.hash64("node-1#1".getBytes(StandardCharsets.UTF_8)),
                Murmur3.hash64("node-1#2".getBytes(StandardCharsets.UTF_8)));
        assertThat(RingMember.of("node-1", "elsewhere", 3).tokens()).isEqualTo(m.tokens());
    }

    @Test
    void changingVnodesKeepsTheLowerIndices() {
        RingMember m = new RingMember("n", "r", 8, 2);
        assertThat(m.tokenCount()).isEqualTo(16);
        long[] more = m.withVnodes(10).tokens();
        long[] fewer = m.withVnodes(5).tokens();
        assertThat(Arrays.copyOf(more, 16)).isEqualTo(m.tokens());
        assertThat(fewer).isEqualTo(Arrays.copyOf(m.tokens(), 10));
        assertThat(m.withWeight(3).tokenCount()).isEqualTo(24);
    }

    @Test
    void invalidMembersAreRejected() {
        assertThatThrownBy(() -> RingMember.of("", "r", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RingMember.of("a b", "r", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RingMember.of("a", "", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RingMember.of("a", null, 1)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> RingMember.of("a", "r", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RingMember.of("a", "r", RingMember.MAX_VNODES + 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RingMember("a", "r", 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RingMember("a", "r", 1, RingMember.MAX_WEIGHT + 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RingMember.of("x".repeat(RingMember.MAX_ID_CHARS + 1), "r", 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RingMember.tokenOf("a", -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
