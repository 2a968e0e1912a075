package io.murmur.client;

import java.util.OptionalInt;

/**
 * Per-write options for puts and deletes. Immutable; {@link #DEFAULT} uses the cluster's
 * write quorum.
 */
public final class PutOptions {
    public static final PutOptions DEFAULT = new PutOptions(0);

    private final int w;

    private PutOptions(int w) {
        this.w = w;
    }

    /** Wait for {@code w} replica acknowledgements (overrides the cluster default). */
    public static PutOptions withW(int w) {
        if (w < 1) {
            throw new IllegalArgumentException("w must be at least 1: " + w);
        }
        return new PutOptions(w);
    }

    /** The write quorum override, if any. */
    public OptionalInt w() {
        return w == 0 ? OptionalInt.empty() : OptionalInt.of(w);
    }

    @Override
    public String toString() {
        return w == 0 ? "PutOptions[default]" : "PutOptions[w=" + w + "]";
    }
}
