package io.murmur.antientropy;

import io.murmur.ring.Token;
import io.murmur.version.Dot;
import io.murmur.version.VectorClock;
import io.murmur.version.Version;
import io.murmur.version.VersionedRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The tombstone rule with anti-entropy on: grace period and a completed repair, both. */
class TombstonesTest {

    @Test
    void aTombstonePastGraceStaysUntilARepairThatStartedAfterItHasCovereditsRange() {
        RepairPeers peers = new RepairPeers(AntiEntropySettings.DEFAULTS.withDepth(4).withIntervalMillis(0)
                .withClockSkewMillis(1_000), 4, "a", "b");
        RepairPeers.Node a = peers.node("a");
        byte[] key = "deleted".getBytes(StandardCharsets.UTF_8);
        Version value = Version.value(new Dot("a", 1), VectorClock.EMPTY, new byte[]{1}, peers.timers.wallMillis());
        Version tombstone = Version.tombstone(new Dot("a", 2), value.history(), peers.timers.wallMillis());
        a.storage.update(key, r -> r.add(tombstone));
        VersionedRecord deleted = a.storage.get(key);

        peers.run(Duration.ofSeconds(5));
        AntiEntropy.Job early = a.core.repair(null); // starts before the grace period ends: covers the tombstone
        a.core.start();
        peers.run(Duration.ofSeconds(5));
        assertThat(early.isDone() && early.sessionsFailed() == 0).isTrue();
        assertThat(a.core.coveredUntilMillis(Token.of(key))).isGreaterThan(tombstone.writtenAtMillis());
        assertThat(peers.node("b").storage.get(key)).as("the repair shipped the tombstone").isEqualTo(deleted);
        assertThat(a.tombstones.purgeable(key, deleted)).as("within the grace period").isFalse();

        peers.timers.advance(Duration.ofDays(1), id -> false);
        assertThat(a.tombstones.purgeable(key, deleted)).as("past grace, covered by a repair").isTrue();
    }

    @Test
    void withoutACoveringRepairATombstoneOutlivesItsGracePeriod() {
        RepairPeers peers = new RepairPeers(AntiEntropySettings.DEFAULTS.withDepth(4).withIntervalMillis(0), 4,
                "a", "b");
        RepairPeers.Node a = peers.node("a");
        byte[] key = "deleted".getBytes(StandardCharsets.UTF_8);
        Version tombstone = Version.tombstone(new Dot("a", 1), VectorClock.EMPTY, peers.timers.wallMillis());
        a.storage.update(key, r -> r.add(tombstone));
        peers.timers.advance(Duration.ofDays(3), id -> false);
        assertThat(a.tombstones.purgeable(key, a.storage.get(key))).isFalse();

        // a repair that starts now covers it (it was written long before)
        AntiEntropy.Job job = a.core.repair(null);
        a.core.start();
        peers.run(Duration.ofSeconds(5));
        assertThat(job.isDone()).isTrue();
        assertThat(a.tombstones.purgeable(key, a.storage.get(key))).isTrue();
        // and a repair scan purges it on both sides once it is purgeable on both
        AntiEntropy.Job again = peers.node("b").core.repair(null);
        peers.node("b").core.start();
        peers.run(Duration.ofSeconds(5));
        assertThat(again.isDone()).isTrue();
    }
}
