package io.murmur.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RingTest {

    @Test
    void updatesPublishNewerSnapshots() {
        Ring ring = new Ring();
        assertThat(ring.current().isEmpty()).isTrue();
        RingSnapshot s1 = ring.update(s -> s.withMember(RingMember.of("a", "r1", 4)));
        assertThat(ring.current()).isSameAs(s1);
        assertThat(s1.epoch()).isEqualTo(1);
        assertThat(ring.update(s -> s)).isSameAs(s1);
        RingSnapshot s2 = ring.update(s -> s.withVnodes("a", 8));
        assertThat(ring.current()).isSameAs(s2);
        assertThat(s2.epoch()).isEqualTo(2);
    }

    @Test
    void aSnapshotThatIsNotNewerIsRejected() {
        Ring ring = new Ring(RingSnapshot.builder().epoch(5).build());
        RingSnapshot stale = RingSnapshot.builder().epoch(5).add(RingMember.of("a", "r", 1)).build();
        assertThatThrownBy(() -> ring.update(s -> stale)).isInstanceOf(IllegalArgumentException.class);
        assertThat(ring.current().epoch()).isEqualTo(5);
        assertThat(ring.current().isEmpty()).isTrue();
    }

    @Test
    void compareAndSetOnlyReplacesTheExpectedSnapshot() {
        Ring ring = new Ring();
        RingSnapshot base = ring.current();
        RingSnapshot next = base.withMember(RingMember.of("a", "r", 2));
        RingSnapshot other = base.withMember(RingMember.of("b", "r", 2));
        assertThat(ring.compareAndSet(base, next)).isTrue();
        assertThat(ring.compareAndSet(base, other)).isFalse();
        assertThat(ring.current()).isSameAs(next);
    }
}
