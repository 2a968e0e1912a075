package io.murmur.storage;

import io.murmur.version.Dot;
import io.murmur.version.VectorClock;
import io.murmur.version.Version;

import java.nio.charset.StandardCharsets;

/** Small builders for storage tests. */
final class TestRecords {
    private TestRecords() {
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A write through {@code node} with counter {@code counter}, seeing nothing. */
    static Version write(String node, long counter, String value) {
        return Version.value(new Dot(node, counter), VectorClock.EMPTY, bytes(value), 1_000 + counter);
    }
}
