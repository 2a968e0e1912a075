package io.murmur.storage;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StorageOptionsTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        StorageOptions d = StorageOptions.defaults();
        assertThat(d.syncMode()).isEqualTo(SyncMode.PERIODIC);
        assertThat(d.syncIntervalMillis()).isEqualTo(100);
        assertThat(d.blockCacheBytes()).isEqualTo(64L << 20);
        assertThat(d.writeBufferBytes()).isEqualTo(32L << 20);
        assertThat(d.maxBackgroundJobs()).isEqualTo(2);
    }

    @Test
    void withersChangeOneComponent() {
        StorageOptions o = StorageOptions.defaults().withSyncMode(SyncMode.ALWAYS).withSyncIntervalMillis(5)
                .withBlockCacheBytes(8L << 20).withWriteBufferBytes(4L << 20).withMaxBackgroundJobs(3);
        assertThat(o).isEqualTo(new StorageOptions(SyncMode.ALWAYS, 5, 8L << 20, 4L << 20, 3));
    }

    @Test
    void outOfRangeValuesAreRejected() {
        StorageOptions d = StorageOptions.defaults();
        assertThatThrownBy(() -> d.withSyncMode(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> d.withSyncIntervalMillis(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.withSyncIntervalMillis(60_001)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.withBlockCacheBytes(1024)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.withWriteBufferBytes(1024)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.withMaxBackgroundJobs(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
