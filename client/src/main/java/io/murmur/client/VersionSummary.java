package io.murmur.client;

import java.util.Objects;

/**
 * One version a replica holds, without its value: part of a {@link ReplicaAnswer}.
 *
 * @param dot             the write that made it: coordinating node and its counter, as
 *                        {@code node:counter}
 * @param tombstone       true when the version records a delete
 * @param writtenAtMillis when the write was coordinated, milliseconds since the epoch
 * @param valueBytes      the value's size; 0 for a tombstone
 */
public record VersionSummary(String dot, boolean tombstone, long writtenAtMillis, long valueBytes) {
    public VersionSummary {
        Objects.requireNonNull(dot, "dot");
    }
}
