/**
 * The consistent-hash ring: 64-bit Murmur3 tokens, virtual nodes derived from node ids,
 * rack-aware preference lists, the sloppy variant that picks stand-ins for unavailable
 * replicas, token ranges, and the difference between two rings.
 *
 * <p>Pure code: no I/O, no clock, no threads, no randomness. Everything hangs off the
 * immutable {@link io.murmur.ring.RingSnapshot}, published through {@link io.murmur.ring.Ring};
 * lookups take no lock and allocate only their result.
 */
package io.murmur.ring;
