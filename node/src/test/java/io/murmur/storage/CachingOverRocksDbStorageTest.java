package io.murmur.storage;

import io.murmur.runtime.Storage;

import java.nio.file.Path;

/** The storage contract through the cache, over RocksDB, as a node runs it. */
class CachingOverRocksDbStorageTest extends StorageContractTest {
    @Override
    boolean updatesReadKeysWithoutBlocking() {
        return true;
    }

    @Override
    Storage open(Path dir) {
        return new CachingStorage(RocksDbStorage.open(dir, StorageOptions.defaults()), 1 << 20);
    }
}
