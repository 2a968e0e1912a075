package io.murmur.antientropy;

import io.murmur.proto.peer.KeyedRecord;
import io.murmur.proto.peer.RepairMessage;
import io.murmur.proto.peer.ReplicaMessage;
import io.murmur.ring.Token;
import io.murmur.runtime.Storage;
import io.murmur.storage.ByteKey;
import io.murmur.storage.RecordCodec;
import io.murmur.version.Dot;
import io.murmur.version.VectorClock;
import io.murmur.version.Version;
import io.murmur.version.VersionedRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class AntiEntropyTest {
    private static final AntiEntropySettings SETTINGS = AntiEntropySettings.DEFAULTS.withDepth(6)
            .withIntervalMillis(0).withRangesPerSession(4);

    private static byte[] key(int i) {
        return ("key-" + i).getBytes(StandardCharsets.UTF_8);
    }

    private static Version write(String node, long counter, String value) {
        return Version.value(new Dot(node, counter), VectorClock.EMPTY, value.getBytes(StandardCharsets.UTF_8), 1);
    }

    private static Version writeAfter(Version seen, String node, long counter, String value) {
        return Version.value(new Dot(node, counter), seen.history(), value.getBytes(StandardCharsets.UTF_8), 1);
    }

    private static void put(Storage s, byte[] key, Version v) {
        s.update(key, r -> r.add(v));
    }

    private static Map<ByteKey, VersionedRecord> contents(Storage s) {
        Map<ByteKey, VersionedRecord> out = new HashMap<>();
        s.scan(Long.MIN_VALUE, Long.MAX_VALUE, (t, k, r) -> {
            out.put(ByteKey.copyOf(k), r);
            return true;
        });
        return out;
    }

    private static AntiEntropy.Job repairFrom(RepairPeers peers, String node) {
        AntiEntropy.Job job = peers.node(node).core.repair(null);
        peers.node(node).core.start();
        for (int i = 0; i < 600 && !job.isDone(); i++) {
            peers.run(Duration.ofMillis(100));
        }
        assertThat(job.isDone()).as("repair finished").isTrue();
        return job;
    }

    private static long[] roots(RepairPeers.Node node) {
        List<Long> out = new ArrayList<>();
        for (var range : node.trees.ranges()) {
            out.add(node.trees.tree(range).root());
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    @Test
    void incrementalTreesEqualTreesRebuiltFromStorage() {
        RepairPeers peers = new RepairPeers(SETTINGS, 8, "a", "b");
        RepairPeers.Node a = peers.node("a");
        Random random = new Random(1);
        for (int i = 0; i < 2000; i++) {
            byte[] k = key(random.nextInt(500));
            if (random.nextInt(5) == 0) {
                a.storage.update(k, r -> VersionedRecord.EMPTY);
            } else {
                put(a.storage, k, write("a", i + 1, "v" + i));
            }
        }
        TreeIndex fresh = new TreeIndex(SETTINGS.depth());
        fresh.rebuild(a.trees.ranges(), a.raw);
        for (var range : a.trees.ranges()) {
            assertThat(a.trees.tree(range).root()).as("root of %s", range).isEqualTo(fresh.tree(range).root());
        }
    }

    @Test
    void aChangesDeltaIsTheXorOfItsEntries() {
        Random random = new Random(7);
        List<VersionedRecord> records = new ArrayList<>();
        records.add(VersionedRecord.EMPTY);
        for (int i = 0; i < 20; i++) {
            Version v = write("node-" + random.nextInt(4), 1 + random.nextInt(5), "v" + i);
            records.add(VersionedRecord.EMPTY.add(v));
            records.add(records.get(random.nextInt(records.size())).add(v));
        }
        for (int i = 0; i < 500; i++) {
            byte[] k = key(random.nextInt(100));
            long token = Token.of(k);
            VersionedRecord before = records.get(random.nextInt(records.size()));
            VersionedRecord after = records.get(random.nextInt(records.size()));
            assertThat(Digests.delta(token, k, before, after)).as("%s -> %s", before, after)
                    .isEqualTo(Digests.entry(token, k, before) ^ Digests.entry(token, k, after));
        }
    }

    /**
     * Differential test: for random contents and random divergences, the keys a session
     * finds different are exactly the keys whose records differ, and afterwards both
     * replicas hold the merge of both.
     */
    @Test
    void aSessionFindsExactlyTheKeysWhoseRecordsDiffer() {
        for (long seed = 1; seed <= 25; seed++) {
            Random random = new Random(seed);
            RepairPeers peers = new RepairPeers(SETTINGS.withDepth(1 + random.nextInt(8)), 1 + random.nextInt(6),
                    "a", "b");
            RepairPeers.Node a = peers.node("a");
            RepairPeers.Node b = peers.node("b");
            int keys = 50 + random.nextInt(3000);
            double divergence = new double[]{0, 0.001, 0.01, 0.1, 0.5, 1}[random.nextInt(6)];
            for (int i = 0; i < keys; i++) {
                byte[] k = key(i);
                Version common = write("w", 1, "v" + i);
                boolean diverge = random.nextDouble() < divergence;
                if (!diverge) {
                    put(a.storage, k, common);
                    put(b.storage, k, common);
                    continue;
                }
                switch (random.nextInt(5)) {
                    case 0 -> put(a.storage, k, common); // b lacks it
                    case 1 -> put(b.storage, k, common); // a lacks it
                    case 2 -> { // b is behind
                        put(a.storage, k, writeAfter(common, "a", 1, "newer"));
                        put(b.storage, k, common);
                    }
                    case 3 -> { // concurrent: siblings afterwards
                        put(a.storage, k, writeAfter(common, "a", 1, "on a"));
                        put(b.storage, k, writeAfter(common, "b", 1, "on b"));
                    }
                    default -> { // a tombstone against a value
                        put(a.storage, k, common);
                        put(b.storage, k, Version.tombstone(new Dot("b", 1), common.history(), 1));
                    }
                }
            }
            Map<ByteKey, VersionedRecord> before = contents(a.raw);
            Map<ByteKey, VersionedRecord> other = contents(b.raw);
            Set<ByteKey> naive = new HashSet<>();
            Set<ByteKey> all = new HashSet<>(before.keySet());
            all.addAll(other.keySet());
            Map<ByteKey, VersionedRecord> merged = new HashMap<>();
            for (ByteKey k : all) {
                VersionedRecord ra = before.getOrDefault(k, VersionedRecord.EMPTY);
                VersionedRecord rb = other.getOrDefault(k, VersionedRecord.EMPTY);
                if (!ra.equals(rb)) {
                    naive.add(k);
                }
                merged.put(k, ra.merge(rb));
            }
            Set<ByteKey> found = new HashSet<>();
            a.core.onDifference(k -> found.add(ByteKey.copyOf(k)));

            AntiEntropy.Job job = repairFrom(peers, "a");

            assertThat(job.sessionsFailed()).as("seed %d", seed).isZero();
            assertThat(found).as("seed %d: keys found different", seed).isEqualTo(naive);
            assertThat(contents(a.raw)).as("seed %d: a after", seed).isEqualTo(merged);
            assertThat(contents(b.raw)).as("seed %d: b after", seed).isEqualTo(merged);
            assertThat(roots(a)).as("seed %d: roots", seed).isEqualTo(roots(b));
            assertThat(job.keysSent() + job.keysReceived()).as("seed %d: keys shipped", seed)
                    .isLessThanOrEqualTo(2L * naive.size());
        }
    }

    @Test
    void concurrentVersionsBecomeSiblingsOnBothReplicas() {
        RepairPeers peers = new RepairPeers(SETTINGS, 4, "a", "b");
        Version common = write("w", 1, "base");
        Version onA = writeAfter(common, "a", 1, "left");
        Version onB = writeAfter(common, "b", 1, "right");
        put(peers.node("a").storage, key(1), onA);
        put(peers.node("b").storage, key(1), onB);

        AntiEntropy.Job job = repairFrom(peers, "a");

        assertThat(peers.node("a").storage.get(key(1)).siblings()).containsExactly(onA, onB);
        assertThat(peers.node("b").storage.get(key(1)).siblings()).containsExactly(onA, onB);
        assertThat(job.keysSent()).isEqualTo(1);
        assertThat(job.keysReceived()).isEqualTo(1);
    }

    @Test
    void concurrentVersionsCrossOnceEach() {
        RepairPeers peers = new RepairPeers(SETTINGS, 4, "a", "b");
        Version common = write("w", 1, "base");
        Version onA = writeAfter(common, "a", 1, "left");
        Version onB = writeAfter(common, "b", 1, "right");
        put(peers.node("a").storage, key(1), onA);
        put(peers.node("b").storage, key(1), onB);

        repairFrom(peers, "a");

        List<List<Dot>> fromA = new ArrayList<>();
        List<List<Dot>> fromB = new ArrayList<>();
        for (ReplicaMessage m : peers.sent) {
            RepairMessage r = m.getRepair();
            List<KeyedRecord> records = r.hasRecords() ? r.getRecords().getRecordsList()
                    : r.getExchange().getRecordsList();
            for (KeyedRecord kr : records) {
                (m.getFrom().equals("a") ? fromA : fromB).add(RecordCodec.fromMessage(kr.getRecord()).siblings()
                        .stream().map(Version::dot).toList());
            }
        }
        assertThat(fromB).as("b's record, pushed to a").containsExactly(List.of(onB.dot()));
        assertThat(fromA).as("a sends back only what b lacks, not b's own version too")
                .containsExactly(List.of(onA.dot()));
        assertThat(peers.node("b").storage.get(key(1)).siblings()).containsExactly(onA, onB);
    }

    @Test
    void onlyVersionsThePeerNeitherHoldsNorSupersedesAreSentBack() {
        Version common = write("w", 1, "base");
        Version onA = writeAfter(common, "a", 1, "left");
        Version onB = writeAfter(common, "b", 1, "right");
        VersionedRecord both = VersionedRecord.of(List.of(onA, onB));
        VersionedRecord theirs = VersionedRecord.of(List.of(onB));

        assertThat(AntiEntropy.unknownTo(theirs, both).siblings()).containsExactly(onA);
        assertThat(AntiEntropy.unknownTo(both, both).isEmpty()).isTrue();
        assertThat(AntiEntropy.unknownTo(VersionedRecord.of(List.of(onA)), VersionedRecord.of(List.of(common)))
                .isEmpty()).as("superseded on their side").isTrue();
        assertThat(AntiEntropy.unknownTo(VersionedRecord.of(List.of(common)), theirs)).isSameAs(theirs);
    }

    @Test
    void aDominatedReplicaIsSentTheNewerRecordAndNothingComesBack() {
        RepairPeers peers = new RepairPeers(SETTINGS, 4, "a", "b");
        Version old = write("w", 1, "old");
        Version newer = writeAfter(old, "b", 1, "new");
        put(peers.node("a").storage, key(1), old);
        put(peers.node("b").storage, key(1), newer);

        AntiEntropy.Job job = repairFrom(peers, "a");

        assertThat(peers.node("a").storage.get(key(1)).siblings()).containsExactly(newer);
        assertThat(job.keysReceived()).isEqualTo(1);
        assertThat(job.keysSent()).as("a holds nothing b lacks").isZero();
    }

    @Test
    void equalReplicasExchangeOnlyTheirRoots() {
        RepairPeers peers = new RepairPeers(SETTINGS, 8, "a", "b");
        for (int i = 0; i < 500; i++) {
            put(peers.node("a").storage, key(i), write("w", 1, "v"));
            put(peers.node("b").storage, key(i), write("w", 1, "v"));
        }
        AntiEntropy.Job job = repairFrom(peers, "a");
        assertThat(job.rangesCompared()).isEqualTo(16);
        assertThat(job.rangesDiffering()).isZero();
        assertThat(job.keysSent() + job.keysReceived()).isZero();
        assertThat(job.sessions()).isEqualTo(4); // 16 ranges, 4 per session
    }

    @Test
    void aSessionKeepsUnderItsByteRate() {
        AntiEntropySettings slow = SETTINGS.withBytesPerSecond(16 * 1024);
        RepairPeers peers = new RepairPeers(slow, 4, "a", "b");
        for (int i = 0; i < 400; i++) {
            put(peers.node("a").storage, key(i), write("w", 1, "x".repeat(200)));
        }
        long startNanos = peers.timers.nanos();
        AntiEntropy.Job job = repairFrom(peers, "a");
        double seconds = (peers.timers.nanos() - startNanos) / 1e9;
        assertThat(job.bytes()).isGreaterThan(80_000);
        assertThat(job.bytes() / seconds).as("bytes per virtual second").isLessThanOrEqualTo(16 * 1024 * 1.1);
        assertThat(contents(peers.node("b").raw)).hasSize(400);
    }

    @Test
    void aPeerDyingMidSessionAbortsItAndALaterSessionRepairs() {
        AntiEntropySettings s = SETTINGS.withRangesPerSession(64);
        RepairPeers peers = new RepairPeers(s, 4, "a", "b");
        for (int i = 0; i < 3000; i++) {
            put(peers.node("a").storage, key(i), write("w", 1, "v" + i));
        }
        AntiEntropy a = peers.node("a").core;
        List<AntiEntropy.SessionResult> ended = new ArrayList<>();
        a.onSessionEnd(ended::add);
        AntiEntropy.Job first = a.repair(null);
        a.start();
        peers.run(Duration.ofMillis(3)); // a few round trips, not all
        peers.down.add("b");
        peers.run(Duration.ofSeconds(15));
        assertThat(first.isDone()).isTrue();
        assertThat(first.sessionsFailed()).isEqualTo(1);
        assertThat(ended).hasSize(1);
        assertThat(ended.get(0).failure()).contains("did not answer");
        assertThat(a.coveredUntilMillis(Token.of(key(1)))).as("nothing covered").isZero();

        peers.down.remove("b");
        AntiEntropy.Job second = repairFrom(peers, "a");
        assertThat(second.sessionsFailed()).isZero();
        assertThat(contents(peers.node("b").raw)).isEqualTo(contents(peers.node("a").raw));
        assertThat(a.coveredUntilMillis(Token.of(key(1)))).isPositive();
    }

    @Test
    void aBusyResponderTurnsSessionsAwayAndTheyFailCleanly() {
        AntiEntropySettings s = SETTINGS.withRangesPerSession(1);
        RepairPeers peers = new RepairPeers(new AntiEntropySettings(s.depth(), 0, 1, 1024,
                s.requestTimeoutMillis(), s.maxEntriesPerMessage(), s.maxRecordBytesPerMessage(), 1,
                s.clockSkewMillis()), 2, "a", "b", "c");
        put(peers.node("a").storage, key(1), write("w", 1, "v"));
        AntiEntropy.Job fromA = peers.node("a").core.repair(null);
        AntiEntropy.Job fromC = peers.node("c").core.repair(null);
        peers.node("a").core.start();
        peers.node("c").core.start();
        for (int i = 0; i < 6000 && !(fromA.isDone() && fromC.isDone()); i++) {
            peers.run(Duration.ofMillis(100));
        }
        assertThat(fromA.isDone() && fromC.isDone()).isTrue();
        assertThat(fromA.sessionsFailed() + fromC.sessionsFailed()).isPositive();
        assertThat(fromA.lastSessionFailure() + " " + fromC.lastSessionFailure()).contains("busy");
        assertThat(peers.node("b").core.stats().sessionsRefused.get() + peers.node("a").core.stats()
                .sessionsRefused.get() + peers.node("c").core.stats().sessionsRefused.get())
                .as("some session met a busy responder").isPositive();
        // whatever was refused is retried by the next repair
        repairFrom(peers, "a");
        assertThat(contents(peers.node("b").raw)).isEqualTo(contents(peers.node("a").raw));
        assertThat(contents(peers.node("c").raw)).isEqualTo(contents(peers.node("a").raw));
    }

    @Test
    void malformedRepairMessagesAreCountedAndChangeNothing() {
        RepairPeers peers = new RepairPeers(SETTINGS, 4, "a", "b");
        put(peers.node("b").storage, key(1), write("w", 1, "v"));
        AntiEntropy b = peers.node("b").core;
        Random random = new Random(7);
        for (int i = 0; i < 2000; i++) {
            byte[] junk = new byte[random.nextInt(64)];
            random.nextBytes(junk);
            RepairMessage body;
            try {
                body = RepairMessage.parseFrom(junk);
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                continue;
            }
            b.onMessage(ReplicaMessage.newBuilder().setFrom("a").setFromAddress("a").setRepair(body).build());
        }
        peers.run(Duration.ofSeconds(30));
        assertThat(contents(peers.node("b").raw)).hasSize(1);
        assertThat(contents(peers.node("a").raw)).isEmpty();
    }

    @Test
    void aSessionWithAPeerThatKeepsNoTreesFailsInsteadOfReportingARepair() {
        RepairPeers peers = new RepairPeers(SETTINGS, 4, "a", "b");
        put(peers.node("a").storage, key(1), write("w", 1, "v"));
        peers.node("b").trees.rebuild(java.util.List.of(), peers.node("b").raw); // b keeps no tree at all
        AntiEntropy.Job job = repairFrom(peers, "a");
        assertThat(job.sessionsFailed()).isEqualTo(job.sessions());
        assertThat(job.rangesCompared()).isZero();
        assertThat(job.lastSessionFailure()).contains("keeps no tree");
        assertThat(peers.node("a").core.coveredUntilMillis(Token.of(key(1)))).isZero();
    }
}
