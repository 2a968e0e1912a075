package io.murmur.storage;

import io.murmur.runtime.Storage;

import java.nio.file.Path;

/** The storage contract through the cache, over the in-memory store. */
class CachingOverInMemoryStorageTest extends StorageContractTest {
    @Override
    boolean updatesReadKeysWithoutBlocking() {
        return true;
    }

    @Override
    Storage open(Path dir) {
        return new CachingStorage(new InMemoryStorage(), 1 << 20);
    }
}
