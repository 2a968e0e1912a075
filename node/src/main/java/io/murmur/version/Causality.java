package io.murmur.version;

/** How two clocks (or two versions) are ordered in causal time. */
public enum Causality {
    /** The first happened before the second: the second supersedes it. */
    BEFORE,
    /** The first happened after the second: it supersedes the second. */
    AFTER,
    /** Both describe the same history. */
    EQUAL,
    /** Neither saw the other: both must be kept as siblings. */
    CONCURRENT;

    /** The same relation seen from the other side. */
    public Causality reverse() {
        return switch (this) {
            case BEFORE -> AFTER;
            case AFTER -> BEFORE;
            case EQUAL, CONCURRENT -> this;
        };
    }
}
