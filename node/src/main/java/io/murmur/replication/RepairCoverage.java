package io.murmur.replication;

/**
 * What anti-entropy vouches for, as the tombstone rule needs it: up to when every replica
 * of a token's range is known to hold every version this replica held.
 */
@FunctionalInterface
public interface RepairCoverage {
    /**
     * Wall-clock milliseconds: every version this node held for {@code token}'s range and
     * written before this time has reached every other replica of the range, through a
     * repair session that started after it was written and completed. 0 when no such
     * repair is known (for instance after a restart).
     */
    long coveredUntilMillis(long token);

    /** No anti-entropy: tombstones are purged on the grace period alone. */
    RepairCoverage NONE = token -> Long.MAX_VALUE;
}
