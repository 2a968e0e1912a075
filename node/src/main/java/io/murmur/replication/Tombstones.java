package io.murmur.replication;

import io.murmur.ring.Token;
import io.murmur.runtime.Clock;
import io.murmur.version.Version;
import io.murmur.version.VersionedRecord;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * When a deleted key may be forgotten. A record whose versions are all tombstones is
 * purged (dropped from storage) once every tombstone is older than the grace period and
 * an anti-entropy repair that started after it was written has completed with every
 * other replica of the key's range ({@link RepairCoverage}). By then every replica holds
 * the tombstone or something newer, so no stale replica can hand the deleted value back:
 * the grace period covers hints (it is at least the hint window), the repair covers
 * everything else (a replica down longer than the window, lost hints, a replaced disk).
 *
 * <p>Purging happens where a record is touched anyway: when it is read, before something
 * new is merged into it (so that an old tombstone never swallows a newer write), and when
 * a repair session scans it.
 */
public final class Tombstones {
    private final long graceMillis;
    private final Clock clock;
    private volatile RepairCoverage coverage = RepairCoverage.NONE;
    private volatile long clockSkewMillis;
    private final AtomicLong purged;

    /** Purges after {@code graceMillis}, counting purged records in {@code purged}. */
    public Tombstones(long graceMillis, Clock clock, AtomicLong purged) {
        this.graceMillis = graceMillis;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.purged = Objects.requireNonNull(purged, "purged");
    }

    /**
     * Purges only what {@code coverage} vouches for, counting a tombstone as covered by a
     * repair that started at least {@code clockSkewMillis} after it was written (clocks of
     * different nodes disagree by that much at most).
     */
    public void requireRepair(RepairCoverage coverage, long clockSkewMillis) {
        this.coverage = Objects.requireNonNull(coverage, "coverage");
        this.clockSkewMillis = clockSkewMillis;
    }

    public long graceMillis() {
        return graceMillis;
    }

    /** Whether {@code record}, stored under {@code key}, may be purged now. */
    public boolean purgeable(byte[] key, VersionedRecord record) {
        if (!record.isDeleted()) {
            return false;
        }
        long now = clock.wallMillis();
        long newest = Long.MIN_VALUE;
        for (Version v : record.siblings()) {
            if (now - v.writtenAtMillis() < graceMillis) {
                return false;
            }
            newest = Math.max(newest, v.writtenAtMillis());
        }
        RepairCoverage c = coverage;
        if (c == RepairCoverage.NONE) {
            return true;
        }
        long covered = c.coveredUntilMillis(Token.of(key));
        return covered != 0 && newest + clockSkewMillis < covered;
    }

    /**
     * A purge for one storage update: its change replaces a purgeable record with the empty
     * one, and the purge is counted only when the caller says the update was applied, since
     * a change may run and be dropped (a non-blocking try that declines) or run again.
     */
    public Purge purge() {
        return new Purge();
    }

    /** See {@link #purge()}. */
    public final class Purge {
        private boolean purged;

        private Purge() {
        }

        /** {@code record}, or the empty record if it may be purged (not yet counted). */
        public VersionedRecord apply(byte[] key, VersionedRecord record) {
            purged = purgeable(key, record);
            return purged ? VersionedRecord.EMPTY : record;
        }

        /** The update was applied: counts the purge its last change made, if any. */
        public void applied() {
            if (purged) {
                Tombstones.this.purged.incrementAndGet();
            }
        }
    }

    /** Records purged so far. */
    public long purgedCount() {
        return purged.get();
    }
}
