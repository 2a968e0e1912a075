package io.murmur.replication;

/**
 * How a node replicates: the cluster's replication factor and default quorums, deadlines,
 * and the bounds of hinted handoff and read repair. {@link #DEFAULTS} gives every value
 * its default; the constructor rejects values that make no sense.
 *
 * @param n                       replicas of each key: the first {@code n} distinct nodes of its
 *                                preference list; default 3
 * @param r                       replies a read waits for, unless the request says otherwise; default 2
 * @param w                       acknowledgements a write waits for; default 2
 * @param timeoutMillis           a request's deadline; default 2000
 * @param hintsCountTowardW       whether a stand-in's acknowledgement (it stored a hint for a down
 *                                replica) counts toward {@code w}; default false, so an acknowledged
 *                                write is on {@code w} real replicas and a read with r + w > n sees it
 * @param maxClockEntries         vector clock entries kept per version; default 32
 * @param hintWindowMillis        a hint older than this is dropped, not replayed; default 3 h
 * @param maxHintBytesPerTarget   hints held for one replica, in bytes; default 256 MiB
 * @param hintReplayBytesPerSecond replay rate per node, in hint bytes; default 4 MiB/s
 * @param hintReplayIntervalMillis how often hints are replayed and expired; default 100
 * @param maxReadRepairsInFlight  read repairs sent and not yet acknowledged; beyond it a read
 *                                skips its repair (counted); default 256
 * @param tombstoneGraceMillis    a key whose versions are all tombstones older than this is
 *                                purged when read; default 10 days; at least the hint window
 */
public record ReplicationSettings(int n, int r, int w, long timeoutMillis, boolean hintsCountTowardW,
                                  int maxClockEntries, long hintWindowMillis, long maxHintBytesPerTarget,
                                  long hintReplayBytesPerSecond, long hintReplayIntervalMillis,
                                  int maxReadRepairsInFlight, long tombstoneGraceMillis) {
    /** The largest replication factor: enough for any real deployment, small enough for lookup tables. */
    public static final int MAX_N = 16;

    public static final ReplicationSettings DEFAULTS = new ReplicationSettings(3, 2, 2, 2_000, false, 32,
            3L * 3_600_000, 256L << 20, 4L << 20, 100, 256, 10L * 86_400_000);

    public ReplicationSettings {
        require(n >= 1 && n <= MAX_N, "n must be in 1.." + MAX_N + ": " + n);
        require(r >= 1 && r <= n, "r must be in 1..n (" + n + "): " + r);
        require(w >= 1 && w <= n, "w must be in 1..n (" + n + "): " + w);
        require(timeoutMillis >= 1, "timeout must be positive: " + timeoutMillis);
        require(maxClockEntries >= 1, "max clock entries must be at least 1: " + maxClockEntries);
        require(hintWindowMillis >= 1, "hint window must be positive: " + hintWindowMillis);
        require(maxHintBytesPerTarget >= 1, "hint bytes per target must be positive: " + maxHintBytesPerTarget);
        require(hintReplayBytesPerSecond >= 1, "hint replay rate must be positive: " + hintReplayBytesPerSecond);
        require(hintReplayIntervalMillis >= 1, "hint replay interval must be positive: " + hintReplayIntervalMillis);
        require(maxReadRepairsInFlight >= 0, "read repairs in flight must be >= 0: " + maxReadRepairsInFlight);
        require(tombstoneGraceMillis >= hintWindowMillis, "tombstone grace (" + tombstoneGraceMillis
                + " ms) must be at least the hint window (" + hintWindowMillis + " ms): a replica that gets a "
                + "delete only from a hint must get it before the tombstone may be purged elsewhere");
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("replication: " + message);
        }
    }

    /** Whether reads with the default quorums may miss the latest acknowledged write. */
    public boolean readsMayBeStale() {
        return r + w <= n;
    }

    public ReplicationSettings withQuorums(int n, int r, int w) {
        return new ReplicationSettings(n, r, w, timeoutMillis, hintsCountTowardW, maxClockEntries, hintWindowMillis,
                maxHintBytesPerTarget, hintReplayBytesPerSecond, hintReplayIntervalMillis, maxReadRepairsInFlight,
                tombstoneGraceMillis);
    }

    public ReplicationSettings withTimeoutMillis(long value) {
        return new ReplicationSettings(n, r, w, value, hintsCountTowardW, maxClockEntries, hintWindowMillis,
                maxHintBytesPerTarget, hintReplayBytesPerSecond, hintReplayIntervalMillis, maxReadRepairsInFlight,
                tombstoneGraceMillis);
    }

    public ReplicationSettings withHints(boolean countTowardW, long windowMillis, long maxBytesPerTarget,
                                         long replayBytesPerSecond) {
        return new ReplicationSettings(n, r, w, timeoutMillis, countTowardW, maxClockEntries, windowMillis,
                maxBytesPerTarget, replayBytesPerSecond, hintReplayIntervalMillis, maxReadRepairsInFlight,
                tombstoneGraceMillis);
    }
}
