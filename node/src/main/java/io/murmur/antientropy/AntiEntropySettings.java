package io.murmur.antientropy;

/**
 * How a node runs anti-entropy. {@link #DEFAULTS} gives every value its default; the
 * constructor rejects values that make no sense.
 *
 * @param depth                  each range's tree has {@code 2^depth} leaves; default 10 (see the
 *                               README: with 256 vnodes and n = 3 a node keeps 768 trees, 6 MiB)
 * @param intervalMillis         a scheduled session starts this long after the previous one ended;
 *                               0 turns scheduled repair off (on-demand repair still works); default 10 s
 * @param rangesPerSession       ranges one session compares; default 32
 * @param bytesPerSecond         a session's traffic, both directions, at most; default 8 MiB/s
 * @param requestTimeoutMillis   an initiator that hears nothing back for this long aborts the
 *                               session; a responder forgets a session idle for twice as long;
 *                               default 10 s
 * @param maxEntriesPerMessage   leaf entries (8 bytes each) one message carries, at least one
 *                               leaf's worth; default 8192
 * @param maxRecordBytesPerMessage records one message carries, at least one record; default 1 MiB
 * @param maxSessionsServed      sessions other nodes run against this one at once; more are
 *                               turned away ("busy") and retried later; default 2
 * @param clockSkewMillis        how far apart nodes' wall clocks may be; a tombstone counts as
 *                               covered by a repair that started at least this long after it was
 *                               written; default 60 s
 */
public record AntiEntropySettings(int depth, long intervalMillis, int rangesPerSession, long bytesPerSecond,
                                  long requestTimeoutMillis, int maxEntriesPerMessage, int maxRecordBytesPerMessage,
                                  int maxSessionsServed, long clockSkewMillis) {
    public static final AntiEntropySettings DEFAULTS = new AntiEntropySettings(10, 10_000, 32, 8L << 20, 10_000,
            8192, 1 << 20, 2, 60_000);

    public AntiEntropySettings {
        require(depth >= MerkleTree.MIN_DEPTH && depth <= MerkleTree.MAX_DEPTH,
                "tree depth must be in " + MerkleTree.MIN_DEPTH + ".." + MerkleTree.MAX_DEPTH + ": " + depth);
        require(intervalMillis >= 0, "interval must be >= 0: " + intervalMillis);
        require(rangesPerSession >= 1, "ranges per session must be at least 1: " + rangesPerSession);
        require(bytesPerSecond >= 1024, "bytes per second must be at least 1024: " + bytesPerSecond);
        require(requestTimeoutMillis >= 1, "request timeout must be positive: " + requestTimeoutMillis);
        require(maxEntriesPerMessage >= 1, "entries per message must be at least 1: " + maxEntriesPerMessage);
        require(maxRecordBytesPerMessage >= 1024, "record bytes per message must be at least 1024: "
                + maxRecordBytesPerMessage);
        require(maxSessionsServed >= 1, "sessions served must be at least 1: " + maxSessionsServed);
        require(clockSkewMillis >= 0, "clock skew must be >= 0: " + clockSkewMillis);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("anti_entropy: " + message);
        }
    }

    public AntiEntropySettings withDepth(int value) {
        return new AntiEntropySettings(value, intervalMillis, rangesPerSession, bytesPerSecond, requestTimeoutMillis,
                maxEntriesPerMessage, maxRecordBytesPerMessage, maxSessionsServed, clockSkewMillis);
    }

    public AntiEntropySettings withIntervalMillis(long value) {
        return new AntiEntropySettings(depth, value, rangesPerSession, bytesPerSecond, requestTimeoutMillis,
                maxEntriesPerMessage, maxRecordBytesPerMessage, maxSessionsServed, clockSkewMillis);
    }

    public AntiEntropySettings withBytesPerSecond(long value) {
        return new AntiEntropySettings(depth, intervalMillis, rangesPerSession, value, requestTimeoutMillis,
                maxEntriesPerMessage, maxRecordBytesPerMessage, maxSessionsServed, clockSkewMillis);
    }

    public AntiEntropySettings withRangesPerSession(int value) {
        return new AntiEntropySettings(depth, intervalMillis, value, bytesPerSecond, requestTimeoutMillis,
                maxEntriesPerMessage, maxRecordBytesPerMessage, maxSessionsServed, clockSkewMillis);
    }

    public AntiEntropySettings withClockSkewMillis(long value) {
        return new AntiEntropySettings(depth, intervalMillis, rangesPerSession, bytesPerSecond, requestTimeoutMillis,
                maxEntriesPerMessage, maxRecordBytesPerMessage, maxSessionsServed, value);
    }
}
