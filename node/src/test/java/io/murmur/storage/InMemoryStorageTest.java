package io.murmur.storage;

import io.murmur.runtime.Storage;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static io.murmur.storage.TestRecords.bytes;
import static io.murmur.storage.TestRecords.write;
import static org.assertj.core.api.Assertions.assertThat;

class InMemoryStorageTest extends StorageContractTest {
    @Override
    boolean updatesReadKeysWithoutBlocking() {
        return true;
    }

    @Override
    Storage open(Path dir) {
        return new InMemoryStorage();
    }

    @Test
    void sizeCountsKeysWithARecord() {
        InMemoryStorage s = (InMemoryStorage) storage;
        s.update(bytes("a"), r -> r.add(write("n", 1, "x")));
        s.update(bytes("b"), r -> r.add(write("n", 1, "x")));
        s.update(bytes("b"), r -> r);
        assertThat(s.size()).isEqualTo(2);
    }
}
