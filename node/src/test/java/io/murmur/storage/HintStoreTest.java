package io.murmur.storage;

import io.murmur.runtime.HintStore;
import io.murmur.version.VersionedRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static io.murmur.storage.TestRecords.bytes;
import static io.murmur.storage.TestRecords.write;
import static org.assertj.core.api.Assertions.assertThat;

/** The hint store's contract, on RocksDB (across reopening) and in memory. */
class HintStoreTest {
    @TempDir
    Path dir;

    private static VersionedRecord record(String node, long counter, String value) {
        return VersionedRecord.of(List.of(write(node, counter, value)));
    }

    private static void contract(HintStore hints) {
        assertThat(hints.pending()).isEmpty();
        assertThat(hints.add("b", bytes("k1"), record("a", 1, "one"), 100, 1 << 20)).isTrue();
        assertThat(hints.add("c", bytes("k2"), record("a", 2, "two"), 200, 1 << 20)).isTrue();
        assertThat(hints.add("b", bytes("k3"), record("a", 3, "three"), 300, 1 << 20)).isTrue();

        List<HintStore.Hint> forB = hints.oldest("b", 10);
        assertThat(forB).extracting(h -> new String(h.key())).containsExactly("k1", "k3");
        assertThat(forB.get(0).record()).isEqualTo(record("a", 1, "one"));
        assertThat(forB.get(0).createdAtMillis()).isEqualTo(100);
        assertThat(forB.get(0).seq()).isLessThan(forB.get(1).seq());
        assertThat(hints.oldest("b", 1)).hasSize(1);
        assertThat(hints.oldest("nobody", 10)).isEmpty();
        assertThat(hints.pending()).containsOnlyKeys("b", "c");
        assertThat(hints.pending().get("b").count()).isEqualTo(2);
        long bytesForB = hints.pending().get("b").bytes();
        assertThat(bytesForB).isEqualTo(forB.get(0).bytes() + forB.get(1).bytes());

        hints.remove("b", forB.get(0).seq());
        hints.remove("b", forB.get(0).seq()); // twice: nothing
        assertThat(hints.oldest("b", 10)).extracting(h -> new String(h.key())).containsExactly("k3");
        assertThat(hints.pending().get("b").count()).isEqualTo(1);

        // the bound is on the bytes held for one target
        long held = hints.pending().get("c").bytes();
        assertThat(hints.add("c", bytes("big"), record("a", 4, "x".repeat(1000)), 400, held + 100)).isFalse();
        assertThat(hints.pending().get("c").count()).isEqualTo(1);
        assertThat(hints.add("d", bytes("big"), record("a", 4, "x".repeat(1000)), 400, 2000)).isTrue();
    }

    @Test
    void inMemoryHintsKeepTheirOrderBoundAndCounts() {
        contract(new InMemoryHintStore());
    }

    @Test
    void rocksDbHintsKeepTheirOrderBoundAndCountsAndSurviveReopening() {
        try (RocksDbStorage rocks = RocksDbStorage.open(dir, StorageOptions.defaults())) {
            contract(new RocksDbHintStore(rocks));
        }
        try (RocksDbStorage rocks = RocksDbStorage.open(dir, StorageOptions.defaults())) {
            RocksDbHintStore hints = new RocksDbHintStore(rocks);
            assertThat(hints.pending()).containsOnlyKeys("b", "c", "d");
            assertThat(hints.oldest("b", 10)).extracting(h -> new String(h.key())).containsExactly("k3");
            long before = hints.oldest("d", 1).get(0).seq();
            assertThat(hints.add("b", bytes("k5"), record("a", 5, "five"), 500, 1 << 20)).isTrue();
            assertThat(hints.oldest("b", 10).get(1).seq()).as("sequence numbers go on after reopening")
                    .isGreaterThan(before);
            // a target whose id is a prefix of another's keeps its own hints
            assertThat(hints.add("b2", bytes("k6"), record("a", 6, "six"), 600, 1 << 20)).isTrue();
            assertThat(hints.oldest("b", 10)).extracting(h -> new String(h.key())).containsExactly("k3", "k5");
        }
    }
}
