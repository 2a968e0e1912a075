package io.murmur.client;

import java.util.OptionalInt;

/** Per-read options. Immutable; {@link #DEFAULT} uses the cluster's read quorum. */
public final class GetOptions {
    public static final GetOptions DEFAULT = new GetOptions(0);

    private final int r;

    private GetOptions(int r) {
        this.r = r;
    }

    /** Read from {@code r} replicas (overrides the cluster default for this request). */
    public static GetOptions withR(int r) {
        if (r < 1) {
            throw new IllegalArgumentException("r must be at least 1: " + r);
        }
        return new GetOptions(r);
    }

    /** The read quorum override, if any. */
    public OptionalInt r() {
        return r == 0 ? OptionalInt.empty() : OptionalInt.of(r);
    }

    @Override
    public String toString() {
        return r == 0 ? "GetOptions[default]" : "GetOptions[r=" + r + "]";
    }
}
