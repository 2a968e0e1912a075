package io.murmur.client;

import java.util.OptionalInt;

/**
 * Per-read options. Immutable; {@link #DEFAULT} uses the cluster's read quorum and is not
 * verbose.
 */
public final class GetOptions {
    public static final GetOptions DEFAULT = new GetOptions(0, false);

    private final int r;
    private final boolean verbose;

    private GetOptions(int r, boolean verbose) {
        this.r = r;
        this.verbose = verbose;
    }

    /** Read from {@code r} replicas (overrides the cluster default for this request). */
    public static GetOptions withR(int r) {
        if (r < 1) {
            throw new IllegalArgumentException("r must be at least 1: " + r);
        }
        return new GetOptions(r, false);
    }

    /**
     * These options, and whether the node should also report which node coordinated the
     * read and what each replica answered ({@link GetResult#coordinator()},
     * {@link GetResult#replicas()}), for diagnosis.
     */
    public GetOptions withVerbose(boolean verbose) {
        return new GetOptions(r, verbose);
    }

    /** The read quorum override, if any. */
    public OptionalInt r() {
        return r == 0 ? OptionalInt.empty() : OptionalInt.of(r);
    }

    /** Whether the read asks for the coordinator and the replicas' answers. */
    public boolean verbose() {
        return verbose;
    }

    @Override
    public String toString() {
        if (r == 0 && !verbose) {
            return "GetOptions[default]";
        }
        return "GetOptions[" + (r == 0 ? "" : "r=" + r) + (r != 0 && verbose ? ", " : "")
                + (verbose ? "verbose" : "") + "]";
    }
}
