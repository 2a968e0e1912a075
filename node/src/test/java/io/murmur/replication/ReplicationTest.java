package io.murmur.replication;

import io.murmur.proto.ClockEntry;
import io.murmur.proto.RecordMsg;
import io.murmur.proto.VersionMsg;
import io.murmur.proto.peer.ReplicaMessage;
import io.murmur.proto.peer.Store;
import io.murmur.replication.Outcomes.ReadResult;
import io.murmur.replication.Outcomes.Status;
import io.murmur.replication.Outcomes.WriteResult;
import io.murmur.version.VectorClock;
import io.murmur.version.Version;
import io.murmur.version.VersionedRecord;
import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static io.murmur.replication.FakeReplicas.bytes;
import static org.assertj.core.api.Assertions.assertThat;

class ReplicationTest {
    private static final ReplicationSettings SETTINGS = ReplicationSettings.DEFAULTS.withTimeoutMillis(500);

    private final FakeReplicas world = new FakeReplicas(SETTINGS, "a", "b", "c", "d", "e");

    private WriteResult write(String via, String key, VectorClock context, String value, int w) {
        AtomicReference<WriteResult> result = new AtomicReference<>();
        world.core(via).write(bytes(key), context, value == null ? null : bytes(value), w, result::set);
        world.run(Duration.ofSeconds(1));
        return result.get();
    }

    private ReadResult read(String via, String key, int r) {
        AtomicReference<ReadResult> result = new AtomicReference<>();
        world.core(via).read(bytes(key), r, true, result::set);
        world.run(Duration.ofSeconds(1));
        return result.get();
    }

    private static List<String> values(VersionedRecord record) {
        List<String> out = new ArrayList<>();
        for (Version v : record.liveSiblings()) {
            out.add(new String(v.value(), StandardCharsets.UTF_8));
        }
        return out;
    }

    private String nonReplica(String key) {
        List<String> replicas = world.replicasOf(key, 3);
        return world.cores.keySet().stream().filter(id -> !replicas.contains(id)).findFirst().orElseThrow();
    }

    @Test
    void aWriteReachesEveryReplicaAndAnyNodeReadsIt() {
        List<String> replicas = world.replicasOf("k", 3);
        WriteResult w = write(replicas.get(0), "k", VectorClock.EMPTY, "v1", 0);
        assertThat(w.status()).isEqualTo(Status.OK);
        assertThat(w.dot().node()).isEqualTo(replicas.get(0));
        for (String replica : replicas) {
            assertThat(values(world.disks.get(replica).get(bytes("k")))).containsExactly("v1");
        }
        assertThat(world.disks.get(nonReplica("k")).get(bytes("k")).isEmpty()).isTrue();
        ReadResult r = read(nonReplica("k"), "k", 0);
        assertThat(r.status()).isEqualTo(Status.OK);
        assertThat(values(r.record())).containsExactly("v1");
        assertThat(r.answers()).extracting(Outcomes.ReplicaAnswer::nodeId).containsExactlyInAnyOrderElementsOf(replicas);
    }

    @Test
    void tooFewLiveReplicasIsUnavailableBeforeAnythingIsWrittenOrSent() {
        List<String> replicas = world.replicasOf("k", 3);
        world.down.add(replicas.get(2));
        AtomicReference<WriteResult> result = new AtomicReference<>();
        world.core(replicas.get(0)).write(bytes("k"), VectorClock.EMPTY, bytes("v"), 3, result::set);
        assertThat(result.get().status()).isEqualTo(Status.UNAVAILABLE);
        assertThat(result.get().message()).contains("w=3").contains("2 are live");
        assertThat(world.inFlight).isEmpty();
        for (String id : world.cores.keySet()) {
            assertThat(world.disks.get(id).get(bytes("k")).isEmpty()).isTrue();
            assertThat(world.hints.get(id).pending()).isEmpty();
        }
        AtomicReference<ReadResult> read = new AtomicReference<>();
        world.core(replicas.get(0)).read(bytes("k"), 3, false, read::set);
        assertThat(read.get().status()).isEqualTo(Status.UNAVAILABLE);
    }

    @Test
    void aTimeoutSaysHowManyAcknowledgedAndLeavesHintsForTheSilentReplicas() {
        List<String> replicas = world.replicasOf("k", 3);
        AtomicReference<WriteResult> result = new AtomicReference<>();
        world.core(replicas.get(0)).write(bytes("k"), VectorClock.EMPTY, bytes("v"), 2, result::set);
        assertThat(world.drop(e -> true)).isEqualTo(2);
        world.advance(Duration.ofMillis(600));
        assertThat(result.get().status()).isEqualTo(Status.TIMEOUT);
        assertThat(result.get().acks()).isEqualTo(1);
        assertThat(result.get().message()).contains("1 replicas acknowledged");
        assertThat(world.hints.get(replicas.get(0)).pending()).containsOnlyKeys(replicas.get(1), replicas.get(2));
        // the hints reach the replicas once they answer again
        world.run(Duration.ofSeconds(1));
        for (String replica : replicas) {
            assertThat(values(world.disks.get(replica).get(bytes("k")))).containsExactly("v");
        }
        assertThat(world.hints.get(replicas.get(0)).pending()).isEmpty();
    }

    @Test
    void aNodeThatIsNotAReplicaForwardsTheWriteToOne() {
        String outsider = nonReplica("k");
        WriteResult w = write(outsider, "k", VectorClock.EMPTY, "v", 0);
        assertThat(w.status()).isEqualTo(Status.OK);
        assertThat(world.replicasOf("k", 3)).contains(w.dot().node());
        assertThat(world.disks.get(outsider).get(bytes("k")).isEmpty()).isTrue();
        assertThat(world.core(outsider).stats().forwarded.get()).isEqualTo(1);
    }

    @Test
    void concurrentWritesBecomeSiblingsAndAWriteWithTheReadContextResolvesThem() {
        List<String> replicas = world.replicasOf("k", 3);
        assertThat(write(replicas.get(0), "k", VectorClock.EMPTY, "x", 1).status()).isEqualTo(Status.OK);
        assertThat(write(replicas.get(1), "k", VectorClock.EMPTY, "y", 1).status()).isEqualTo(Status.OK);
        ReadResult both = read(replicas.get(2), "k", 2);
        assertThat(values(both.record())).containsExactlyInAnyOrder("x", "y");
        assertThat(write(replicas.get(2), "k", both.record().context(), "z", 0).status()).isEqualTo(Status.OK);
        assertThat(values(read(replicas.get(0), "k", 3).record())).containsExactly("z");
    }

    @Test
    void aReadRepairsAReplicaThatMissedTheWrite() {
        List<String> replicas = world.replicasOf("k", 3);
        String stale = replicas.get(2);
        AtomicReference<WriteResult> result = new AtomicReference<>();
        world.core(replicas.get(0)).write(bytes("k"), VectorClock.EMPTY, bytes("v"), 2, result::set);
        world.drop(e -> e.to().equals(stale));
        world.deliverAll();
        assertThat(result.get().status()).isEqualTo(Status.OK);
        assertThat(world.disks.get(stale).get(bytes("k")).isEmpty()).isTrue();
        AtomicReference<ReadResult> read = new AtomicReference<>();
        world.core(replicas.get(1)).read(bytes("k"), 3, false, read::set);
        world.deliverAll(); // before the write's deadline: no hint yet, the repair does it
        assertThat(values(read.get().record())).containsExactly("v");
        assertThat(values(world.disks.get(stale).get(bytes("k")))).containsExactly("v");
        assertThat(world.core(replicas.get(1)).stats().readRepairs.get()).isEqualTo(1);
    }

    @Test
    void aReadAsksRReplicasAndTheOthersOnlyWhenAnAnswerIsLate() {
        List<String> replicas = world.replicasOf("k", 3);
        write(replicas.get(0), "k", VectorClock.EMPTY, "v", 3);
        AtomicReference<ReadResult> quick = new AtomicReference<>();
        world.core(replicas.get(0)).read(bytes("k"), 2, false, quick::set);
        assertThat(world.inFlight).hasSize(1);
        assertThat(world.inFlight.get(0).to()).isEqualTo(replicas.get(1));
        world.deliverAll();
        assertThat(values(quick.get().record())).containsExactly("v");
        world.run(Duration.ofSeconds(1));
        assertThat(world.core(replicas.get(0)).stats().speculativeReads.get()).isZero();

        AtomicReference<ReadResult> slow = new AtomicReference<>();
        world.core(replicas.get(0)).read(bytes("k"), 2, false, slow::set);
        world.drop(e -> true); // the replica asked does not answer
        world.advance(Duration.ofMillis(60));
        assertThat(world.inFlight).extracting(FakeReplicas.Envelope::to).containsExactly(replicas.get(2));
        world.deliverAll();
        assertThat(slow.get().status()).isEqualTo(Status.OK);
        assertThat(world.core(replicas.get(0)).stats().speculativeReads.get()).isEqualTo(1);
    }

    @Test
    void aDeleteIsATombstoneThatIsPurgedOnlyAfterTheGracePeriod() {
        List<String> replicas = world.replicasOf("k", 3);
        WriteResult put = write(replicas.get(0), "k", VectorClock.EMPTY, "v", 0);
        WriteResult delete = write(replicas.get(1), "k", put.context(), null, 0);
        assertThat(delete.status()).isEqualTo(Status.OK);
        ReadResult deleted = read(replicas.get(2), "k", 3);
        assertThat(deleted.record().isDeleted()).isTrue();
        assertThat(world.disks.get(replicas.get(2)).get(bytes("k")).isDeleted()).isTrue();
        world.skewWall(Duration.ofMillis(SETTINGS.tombstoneGraceMillis() - 60_000));
        read(replicas.get(2), "k", 3);
        assertThat(world.disks.get(replicas.get(2)).get(bytes("k")).isDeleted()).as("still in grace").isTrue();
        world.skewWall(Duration.ofMinutes(2));
        ReadResult purged = read(replicas.get(2), "k", 3);
        assertThat(purged.record().isEmpty()).isTrue();
        for (String replica : replicas) {
            assertThat(world.disks.get(replica).get(bytes("k")).isEmpty()).isTrue();
        }
    }

    @Test
    void anExpiredTombstoneIsCountedAsPurgedOnlyByTheWriteThatStoresTheUpdate() {
        List<String> replicas = world.replicasOf("k", 3);
        String coordinator = replicas.get(0);
        WriteResult put = write(coordinator, "k", VectorClock.EMPTY, "v", 3);
        assertThat(write(coordinator, "k", put.context(), null, 3).status()).isEqualTo(Status.OK);
        world.skewWall(Duration.ofMillis(SETTINGS.tombstoneGraceMillis() + 60_000));

        // the store runs the change, which purges the tombstone, then declines the update
        world.declineAfterChange.add(coordinator);
        AtomicReference<WriteResult> declined = new AtomicReference<>();
        assertThat(world.core(coordinator).writeWithoutBlocking(bytes("k"), VectorClock.EMPTY, bytes("again"), 3,
                declined::set)).isFalse();
        assertThat(world.disks.get(coordinator).get(bytes("k")).isDeleted()).as("nothing stored").isTrue();
        assertThat(world.core(coordinator).stats().tombstonesPurged.get()).as("nothing purged").isZero();

        // the same write the blocking way purges it once, on each replica
        WriteResult again = write(coordinator, "k", VectorClock.EMPTY, "again", 3);
        assertThat(again.status()).isEqualTo(Status.OK);
        for (String replica : replicas) {
            assertThat(values(world.disks.get(replica).get(bytes("k")))).containsExactly("again");
            assertThat(world.core(replica).stats().tombstonesPurged.get()).as(replica).isEqualTo(1);
        }
    }

    @Test
    void aWriteAndItsCopiesTakenWithoutBlockingAreStoredOnTheCallingThreadAndAcknowledgedOnceDurable() {
        world.updateWithoutBlocking.addAll(world.cores.keySet());
        List<String> replicas = world.replicasOf("k", 3);
        AtomicReference<WriteResult> result = new AtomicReference<>();

        assertThat(world.core(replicas.get(0)).writeWithoutBlocking(bytes("k"), VectorClock.EMPTY, bytes("v"), 3,
                result::set)).isTrue();
        world.deliverLikeANode();

        assertThat(result.get().status()).isEqualTo(Status.OK);
        assertThat(result.get().acks()).isEqualTo(3);
        for (String replica : replicas) {
            assertThat(values(world.disks.get(replica).get(bytes("k")))).containsExactly("v");
            assertThat(world.events).contains(replica + ": non-blocking update", replica + ": sync")
                    .doesNotContain(replica + ": deferred update");
        }
        assertThat(world.core(replicas.get(0)).stats().writes.get()).isEqualTo(1);
    }

    @Test
    void aWriteTheStoreCannotTakeWithoutBlockingIsDeclinedHavingDoneNothing() {
        List<String> replicas = world.replicasOf("k", 3);
        AtomicReference<WriteResult> result = new AtomicReference<>();

        assertThat(world.core(replicas.get(0)).writeWithoutBlocking(bytes("k"), VectorClock.EMPTY, bytes("v"), 0,
                result::set)).isFalse();

        assertThat(result.get()).isNull();
        assertThat(world.inFlight).isEmpty();
        assertThat(world.events).isEmpty();
        assertThat(world.core(replicas.get(0)).stats().writes.get()).isZero();
        // copies the store cannot take without blocking are stored the blocking way
        world.core(replicas.get(0)).write(bytes("k"), VectorClock.EMPTY, bytes("v"), 0, result::set);
        world.deliverLikeANode();
        assertThat(result.get().status()).isEqualTo(Status.OK);
        for (String replica : replicas) {
            assertThat(values(world.disks.get(replica).get(bytes("k")))).containsExactly("v");
        }
    }

    @Test
    void hintsAreNeverKeptWithoutBlocking() {
        world.updateWithoutBlocking.addAll(world.cores.keySet());
        List<String> replicas = world.replicasOf("k", 3);
        String victim = replicas.get(1);
        world.down.add(victim);
        world.crashed.add(victim);
        AtomicReference<WriteResult> result = new AtomicReference<>();
        assertThat(world.core(replicas.get(0)).writeWithoutBlocking(bytes("k"), VectorClock.EMPTY, bytes("v"), 2,
                result::set)).isTrue();
        // the stand-in's copy is a hint: its network thread hands it on instead of storing it
        List<FakeReplicas.Envelope> hinted = world.inFlight.stream()
                .filter(e -> !e.message().getStore().getHintFor().isEmpty()).toList();
        assertThat(hinted).hasSize(1);
        assertThat(world.core(hinted.get(0).to()).storeWithoutBlocking(hinted.get(0).message())).isFalse();
        world.deliverLikeANode();
        assertThat(result.get().status()).isEqualTo(Status.OK);
        assertThat(world.hints.get(hinted.get(0).to()).pending()).containsOnlyKeys(victim);

        // with no stand-in left the coordinator would keep the hint itself: declined, nothing done
        FakeReplicas three = new FakeReplicas(SETTINGS, "a", "b", "c");
        three.updateWithoutBlocking.addAll(three.cores.keySet());
        three.down.add("c");
        AtomicReference<WriteResult> declined = new AtomicReference<>();
        assertThat(three.core("a").writeWithoutBlocking(bytes("k"), VectorClock.EMPTY, bytes("v"), 2,
                declined::set)).isFalse();
        assertThat(declined.get()).isNull();
        assertThat(three.inFlight).isEmpty();
        assertThat(three.events).isEmpty();
    }

    @Test
    void aDownReplicasCopyGoesToAStandInAsAHintAndIsReplayedWhenItIsBack() {
        List<String> replicas = world.replicasOf("k", 3);
        String victim = replicas.get(1);
        world.down.add(victim);
        world.crashed.add(victim);
        assertThat(write(replicas.get(0), "k", VectorClock.EMPTY, "v", 2).status()).isEqualTo(Status.OK);
        String standIn = nonReplica("k");
        long held = world.hints.values().stream().mapToLong(h -> h.pending().containsKey(victim) ? 1 : 0).sum();
        assertThat(held).isEqualTo(1);
        world.crashed.remove(victim);
        world.run(Duration.ofSeconds(2));
        assertThat(world.disks.get(victim).get(bytes("k")).isEmpty()).as("not replayed while held DOWN").isTrue();
        world.down.remove(victim);
        world.run(Duration.ofSeconds(1));
        assertThat(values(world.disks.get(victim).get(bytes("k")))).containsExactly("v");
        assertThat(world.hints.values()).allSatisfy(h -> assertThat(h.pending()).isEmpty());
        assertThat(world.cores.values().stream().mapToLong(c -> c.stats().hintsReplayed.get()).sum()).isEqualTo(1);
        assertThat(standIn).isNotNull();
    }

    @Test
    void hintsOlderThanTheWindowExpireInsteadOfReplaying() {
        List<String> replicas = world.replicasOf("k", 3);
        String victim = replicas.get(2);
        world.down.add(victim);
        write(replicas.get(0), "k", VectorClock.EMPTY, "v", 2);
        world.skewWall(Duration.ofMillis(SETTINGS.hintWindowMillis() + 1));
        world.run(Duration.ofMillis(500));
        assertThat(world.hints.values()).allSatisfy(h -> assertThat(h.pending()).isEmpty());
        assertThat(world.cores.values().stream().mapToLong(c -> c.stats().hintsExpired.get()).sum()).isEqualTo(1);
        world.down.remove(victim);
        world.run(Duration.ofMillis(500));
        assertThat(world.disks.get(victim).get(bytes("k")).isEmpty()).isTrue();
    }

    @Test
    void standInAcknowledgementsCountTowardWOnlyWhenConfigured() {
        for (boolean count : new boolean[] {false, true}) {
            FakeReplicas w = new FakeReplicas(SETTINGS.withHints(count, SETTINGS.hintWindowMillis(),
                    SETTINGS.maxHintBytesPerTarget(), SETTINGS.hintReplayBytesPerSecond()), "a", "b", "c", "d", "e");
            List<String> replicas = w.replicasOf("k", 3);
            w.down.add(replicas.get(1));
            w.down.add(replicas.get(2));
            AtomicReference<WriteResult> result = new AtomicReference<>();
            w.core(replicas.get(0)).write(bytes("k"), VectorClock.EMPTY, bytes("v"), 2, result::set);
            w.run(Duration.ofSeconds(1));
            assertThat(result.get().status()).as("hints count toward w: " + count)
                    .isEqualTo(count ? Status.OK : Status.UNAVAILABLE);
        }
    }

    @Test
    void aFullHintStoreRefusesFurtherHints() {
        FakeReplicas tiny = new FakeReplicas(SETTINGS.withHints(false, SETTINGS.hintWindowMillis(), 200,
                SETTINGS.hintReplayBytesPerSecond()), "a", "b", "c");
        List<String> replicas = tiny.replicasOf("k", 3);
        tiny.down.add(replicas.get(2));
        for (int i = 0; i < 5; i++) {
            AtomicReference<WriteResult> result = new AtomicReference<>();
            tiny.core(replicas.get(0)).write(bytes("k" + i), VectorClock.EMPTY, bytes("value " + i), 1, result::set);
            tiny.run(Duration.ofMillis(100));
        }
        long refused = tiny.cores.values().stream().mapToLong(c -> c.stats().hintsRefused.get()).sum();
        assertThat(refused).isPositive();
        assertThat(tiny.hints.values().stream().mapToLong(h -> h.pending().values().stream()
                .mapToLong(p -> p.bytes()).sum()).max().orElse(0)).isLessThanOrEqualTo(200);
    }

    @Test
    void aReadWhoseAskedReplicaFailsAsksTheOthersAndFailsOnlyWhenNoneIsLeft() {
        List<String> replicas = world.replicasOf("k", 3);
        write(replicas.get(0), "k", VectorClock.EMPTY, "v", 3);
        world.disks.get(replicas.get(1)).close(); // its reads now fail
        AtomicReference<ReadResult> read = new AtomicReference<>();
        world.core(replicas.get(0)).read(bytes("k"), 2, false, read::set);
        world.deliverAll();
        assertThat(read.get().status()).as("answered by the replica asked next").isEqualTo(Status.OK);
        assertThat(values(read.get().record())).containsExactly("v");

        world.disks.get(replicas.get(2)).close();
        AtomicReference<ReadResult> failed = new AtomicReference<>();
        world.core(replicas.get(0)).read(bytes("k"), 2, false, failed::set);
        world.deliverAll();
        assertThat(failed.get()).as("answered without waiting for the deadline").isNotNull();
        assertThat(failed.get().status()).isEqualTo(Status.FAILED);
        assertThat(failed.get().message()).contains("2 failed");
    }

    @Test
    void theCoordinatorSendsTheCopiesBeforeItsOwnCopyIsDurableAndCountsItOnlyOnceItIs() {
        List<String> replicas = world.replicasOf("k", 3);
        String coordinator = replicas.get(0);
        List<String> answered = new ArrayList<>();
        world.events.clear();
        world.core(coordinator).write(bytes("k"), VectorClock.EMPTY, bytes("v"), 1, result -> {
            world.events.add("answered " + result.status());
            answered.add(result.status().name());
        });
        // with w=1 the coordinator's own copy is the quorum: it answers after its sync, before any ack
        assertThat(world.events).containsExactly(coordinator + ": deferred update",
                "send " + coordinator + "->" + replicas.get(1), "send " + coordinator + "->" + replicas.get(2),
                coordinator + ": sync", "answered OK");
        world.run(Duration.ofSeconds(1));
        assertThat(answered).containsExactly("OK");
    }

    @Test
    void aCoordinatorWhoseOwnCopyFailsToSyncSucceedsThroughTheOthersOrFailsAtOnceWhenTheyCannotMakeW() {
        List<String> replicas = world.replicasOf("k", 3);
        world.failingSync.add(replicas.get(0));

        WriteResult two = write(replicas.get(0), "k", VectorClock.EMPTY, "v1", 2);
        assertThat(two.status()).isEqualTo(Status.OK);
        assertThat(two.acks()).isEqualTo(2); // the two other replicas; the coordinator's copy does not count

        AtomicReference<WriteResult> three = new AtomicReference<>();
        world.core(replicas.get(0)).write(bytes("k"), two.context(), bytes("v2"), 3, three::set);
        // decided before any ack comes back, not at the deadline
        assertThat(three.get()).isNotNull();
        assertThat(three.get().status()).isEqualTo(Status.FAILED);
        assertThat(three.get().message()).contains("fails to sync");
        world.run(Duration.ofSeconds(1));
        assertThat(world.core(replicas.get(0)).stats().timeouts.get()).isZero();
    }

    @Test
    void aForwardedWriteToANodeThatIsNotAReplicaDoesNotCountItsOwnCopy() {
        List<String> replicas = world.replicasOf("k", 3);
        String outsider = nonReplica("k");
        world.down.add(replicas.get(2));
        world.core(outsider).onMessage(replicas.get(0), ReplicaMessage.newBuilder().setFrom(replicas.get(0))
                .setFromAddress(replicas.get(0)).setRequestId(77)
                .setForwardWrite(io.murmur.proto.peer.ForwardWrite.newBuilder().setKey(ByteString.copyFromUtf8("k"))
                        .setValue(ByteString.copyFromUtf8("v")).setW(3)).build());
        assertThat(world.inFlight).hasSize(1);
        assertThat(world.inFlight.get(0).message().getForwardReply().getOutcome())
                .isEqualTo(io.murmur.proto.peer.ForwardOutcome.UNAVAILABLE);
    }

    @Test
    void aTombstonePastItsGraceIsPurgedBeforeANewWriteIsMergedIntoIt() {
        List<String> replicas = world.replicasOf("k", 3);
        String a = replicas.get(0);
        WriteResult put = write(a, "k", VectorClock.EMPTY, "old", 3);
        write(a, "k", put.context(), null, 3);
        world.skewWall(Duration.ofMillis(SETTINGS.tombstoneGraceMillis() + 60_000));
        // a read through a alone purges a's tombstone; the other replicas keep theirs
        AtomicReference<ReadResult> alone = new AtomicReference<>();
        world.core(a).read(bytes("k"), 1, false, alone::set);
        assertThat(alone.get().record().isEmpty()).isTrue();
        world.run(Duration.ofSeconds(1));
        assertThat(world.disks.get(replicas.get(2)).get(bytes("k")).isDeleted()).isTrue();
        // a's record no longer shows its writes, so its counter starts from the clock; the old
        // tombstone elsewhere must not swallow the write
        WriteResult fresh = write(a, "k", VectorClock.EMPTY, "new", 3);
        assertThat(fresh.status()).isEqualTo(Status.OK);
        for (String replica : replicas) {
            assertThat(values(world.disks.get(replica).get(bytes("k")))).as(replica).containsExactly("new");
        }
    }

    @Test
    void aReplicaThatLostItsCopyOfAKeyDoesNotReuseTheDotOfAWriteItCoordinatedBefore() {
        List<String> replicas = world.replicasOf("k", 3);
        String a = replicas.get(0);
        write(a, "k", VectorClock.EMPTY, "old", 3);
        world.disks.get(a).update(bytes("k"), lost -> VersionedRecord.EMPTY); // as with a wiped disk
        WriteResult fresh = write(a, "k", VectorClock.EMPTY, "new", 3);
        assertThat(fresh.status()).isEqualTo(Status.OK);
        for (String replica : replicas) {
            assertThat(values(world.disks.get(replica).get(bytes("k")))).as(replica).containsExactly("new");
        }
    }

    @Test
    void malformedPeerMessagesAreCountedAndChangeNothing() {
        Replication core = world.core("a");
        core.onMessage("x", ReplicaMessage.getDefaultInstance());
        core.onMessage("x", ReplicaMessage.newBuilder().setFrom("b").setFromAddress("b")
                .setStore(Store.newBuilder().setKey(ByteString.copyFromUtf8("k"))
                        .setRecord(RecordMsg.newBuilder().addVersions(VersionMsg.newBuilder()
                                .setDot(ClockEntry.newBuilder().setNode("").setCounter(-5))))).build());
        core.onMessage("x", ReplicaMessage.newBuilder().setFrom("b").setStore(Store.getDefaultInstance()).build());
        assertThat(core.stats().badMessages.get()).isEqualTo(3);
        assertThat(world.disks.get("a").get(bytes("k")).isEmpty()).isTrue();
        assertThat(world.inFlight).isEmpty();
    }
}
