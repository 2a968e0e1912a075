package io.murmur.sim.experiments;

import java.io.IOException;
import java.util.BitSet;

/**
 * Routes a key (its 64-bit hash) to the live node that serves it, given the failed nodes.
 * Nodes are numbered {@code 0..n-1} and named by {@code nodeIds[i]}; a route returns the name.
 *
 * <p>{@link #setFailed} is called between measurements, never during one, and the failed sets
 * of one experiment grow (each contains the previous one). Lookups may run on several
 * threads at once.
 */
interface Router extends AutoCloseable {
    /** A short label for tables and charts. */
    String name();

    /** The failed nodes, by number, from now on. */
    void setFailed(BitSet failed) throws IOException;

    /** The live node serving {@code key}. */
    String route(long key) throws IOException;

    /**
     * Routes {@code count} keys from {@code keys[from]} on, wrapping round the array, and
     * returns a value that depends on every answer (so no work can be skipped). Each router
     * has its own copy of this loop so that the call inside it stays monomorphic.
     */
    long routeBatch(long[] keys, int from, int count) throws IOException;

    @Override
    default void close() throws IOException {
    }
}
