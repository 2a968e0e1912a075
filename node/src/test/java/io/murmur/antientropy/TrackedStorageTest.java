package io.murmur.antientropy;

import io.murmur.ring.RingMember;
import io.murmur.ring.RingSnapshot;
import io.murmur.ring.TokenRange;
import io.murmur.storage.InMemoryStorage;
import io.murmur.version.Dot;
import io.murmur.version.VectorClock;
import io.murmur.version.Version;
import io.murmur.version.VersionedRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

class TrackedStorageTest {

    private static List<TokenRange> ranges(int vnodes) {
        RingSnapshot ring = RingSnapshot.of(List.of(new RingMember("a", "r1", vnodes, 1),
                new RingMember("b", "r1", vnodes, 1)));
        return ring.rangesReplicatedBy("a", 2);
    }

    private static void assertTreesMatchStorage(TreeIndex trees, InMemoryStorage raw) {
        TreeIndex fresh = new TreeIndex(trees.depth());
        fresh.rebuild(trees.ranges(), raw);
        for (TokenRange r : trees.ranges()) {
            assertThat(trees.tree(r).root()).as("tree of %s", r).isEqualTo(fresh.tree(r).root());
        }
    }

    /**
     * Writers keep changing keys from several threads while the trees are rebuilt range by
     * range, by blocking updates and by non-blocking ones (which may decline while a tree is
     * swapped or filled): afterwards every tree equals one built from storage alone, so no
     * write was counted twice or lost between the scan and its delta.
     */
    @Test
    void writesDuringARebuildLandInTheTreesExactlyOnce() throws Exception {
        InMemoryStorage raw = new InMemoryStorage();
        TreeIndex trees = new TreeIndex(8);
        TrackedStorage storage = new TrackedStorage(raw, trees);
        for (int i = 0; i < 5_000; i++) {
            byte[] key = ("k" + i).getBytes(StandardCharsets.UTF_8);
            long counter = i + 1;
            storage.update(key, r -> r.add(Version.value(new Dot("a", counter), VectorClock.EMPTY, key, 1)));
        }
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService writers = Executors.newFixedThreadPool(3);
        List<Future<?>> running = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            String node = "w" + w;
            running.add(writers.submit(() -> {
                long counter = 0;
                while (!stop.get()) {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    byte[] key = ("k" + random.nextInt(6_000)).getBytes(StandardCharsets.UTF_8);
                    long c = ++counter;
                    if (random.nextInt(10) == 0) {
                        storage.update(key, r -> VersionedRecord.EMPTY);
                    } else if (random.nextBoolean()) {
                        storage.tryUpdateDeferred(key,
                                r -> r.add(Version.value(new Dot(node, c), r.context(), key, 1)));
                    } else {
                        storage.update(key, r -> r.add(Version.value(new Dot(node, c), r.context(), key, 1)));
                    }
                }
            }));
        }
        try {
            for (int round = 0; round < 5; round++) {
                trees.rebuild(ranges(4 + round), raw); // a new ring each round: new ranges are scanned
            }
        } finally {
            stop.set(true);
            writers.shutdown();
            assertThat(writers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
        for (Future<?> f : running) {
            f.get();
        }
        assertTreesMatchStorage(trees, raw);
    }

    @Test
    void aTryUpdateChangesTheTreeOfItsKeyAndDeclinesWhileThatTreeIsFilled() {
        InMemoryStorage raw = new InMemoryStorage();
        TreeIndex trees = new TreeIndex(6);
        TrackedStorage storage = new TrackedStorage(raw, trees);
        trees.rebuild(ranges(4), raw);
        byte[] key = "x".getBytes(StandardCharsets.UTF_8);
        MerkleTree tree = trees.treeFor(io.murmur.ring.Token.of(key));
        assertThat(tree).isNotNull();
        long emptyRoot = tree.root();

        VersionedRecord stored = storage.tryUpdateDeferred(key,
                r -> r.add(Version.value(new Dot("a", 1), VectorClock.EMPTY, new byte[]{1}, 1)));

        assertThat(stored).isNotNull();
        assertThat(tree.root()).isNotEqualTo(emptyRoot);
        assertTreesMatchStorage(trees, raw);

        long fill = tree.enterFill();
        try {
            assertThat(storage.tryUpdateDeferred(key,
                    r -> r.add(Version.value(new Dot("a", 2), r.context(), new byte[]{2}, 2)))).isNull();
        } finally {
            tree.exitFill(fill);
        }
        assertThat(raw.get(key)).isEqualTo(stored);
        assertTreesMatchStorage(trees, raw);
    }

    @Test
    void unchangedRangesKeepTheirTreesAcrossARebuild() {
        InMemoryStorage raw = new InMemoryStorage();
        TreeIndex trees = new TreeIndex(6);
        TrackedStorage storage = new TrackedStorage(raw, trees);
        List<TokenRange> ranges = ranges(8);
        assertThat(trees.rebuild(ranges, raw).rangesScanned()).isEqualTo(ranges.size());
        storage.update("x".getBytes(StandardCharsets.UTF_8),
                r -> r.add(Version.value(new Dot("a", 1), VectorClock.EMPTY, new byte[]{1}, 1)));
        TreeIndex.Rebuild again = trees.rebuild(ranges, raw);
        assertThat(again.rangesScanned()).isZero();
        assertThat(trees.covers(ranges)).isTrue();
        assertTreesMatchStorage(trees, raw);
    }
}
