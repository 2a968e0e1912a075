package io.murmur.sim.replication;

import io.murmur.antientropy.AntiEntropy;

import java.util.Locale;

/**
 * What repair sessions did, summed as their initiators saw them end: sessions completed
 * and failed, ranges found differing, keys whose records crossed (either way) and bytes
 * (both ways). Each session is counted once, by the node that ran it.
 */
public record RepairTotals(long sessions, long failed, long rangesDiffering, long keys, long bytes) {
    /** What happened between {@code earlier} and this. */
    public RepairTotals since(RepairTotals earlier) {
        return new RepairTotals(sessions - earlier.sessions, failed - earlier.failed,
                rangesDiffering - earlier.rangesDiffering, keys - earlier.keys, bytes - earlier.bytes);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%d sessions (%d failed), %d ranges differing, %d keys repaired, %s",
                sessions, failed, rangesDiffering, keys, bytes(bytes));
    }

    /** Bytes, in B, KiB or MiB. */
    public static String bytes(long b) {
        if (b < 10 * 1024) {
            return b + " B";
        }
        if (b < 10L * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MiB", b / 1048576.0);
    }

    /** Sums sessions as they end. */
    static final class Counter {
        private long sessions;
        private long failed;
        private long rangesDiffering;
        private long keys;
        private long bytes;

        void add(AntiEntropy.SessionResult r) {
            sessions++;
            if (!r.ok()) {
                failed++;
            }
            rangesDiffering += r.rangesDiffering();
            keys += r.keysExchanged();
            bytes += r.bytesSent() + r.bytesReceived();
        }

        RepairTotals snapshot() {
            return new RepairTotals(sessions, failed, rangesDiffering, keys, bytes);
        }
    }
}
