/**
 * The node's storage engine: the {@link io.murmur.runtime.Storage} seam made real.
 *
 * <p>Layers, each a thin decorator with one job (a caller sees only {@code Storage}):
 * <ul>
 * <li>{@link io.murmur.storage.RocksDbStorage}: records on disk in RocksDB, keyed by ring
 *     token then key, so a token range is one contiguous scan; per-key atomic updates;
 *     a meta family for the node's own identity.</li>
 * <li>{@link io.murmur.storage.CachingStorage}: hot decoded records in Caffeine, bounded
 *     in bytes, never stale.</li>
 * <li>{@link io.murmur.storage.InMemoryStorage}: the same contract in a map, for tests and
 *     the simulator.</li>
 * </ul>
 * {@link io.murmur.storage.RecordCodec} is the one place records and clocks become bytes,
 * for the disk, the peer protocol and the client's causal context alike.
 *
 * <p>Nothing here knows the protocol cores; the cores know only {@code Storage}.
 */
package io.murmur.storage;
