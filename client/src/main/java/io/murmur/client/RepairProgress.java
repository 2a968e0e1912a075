package io.murmur.client;

import io.murmur.proto.client.RepairJob;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * An on-demand anti-entropy repair as its node reports it: sessions with every other
 * replica of the node's ranges, one after another ({@link MurmurClient#repair()}).
 *
 * @param running            true until every session has ended or the job stopped early
 * @param sessionsTotal      sessions of the job: one per peer and batch of shared ranges
 * @param sessionsDone       sessions that have ended, failed ones included
 * @param sessionsFailed     sessions that failed (their ranges were not repaired with that peer)
 * @param ranges             the node's ranges the job covers
 * @param rangesCompared     range comparisons done (a range counts once per peer)
 * @param rangesDiffering    comparisons that found the trees differ
 * @param keysSent           keys whose records the node sent to its peers
 * @param keysReceived       keys whose records the node received from its peers
 * @param bytes              bytes of repair messages, both directions
 * @param elapsed            since the job started, until it ended
 * @param failure            why the whole job stopped early (the node stopping), if it did
 * @param lastSessionFailure the last session that failed, as {@code "peer: reason"}, if one did
 */
public record RepairProgress(boolean running, int sessionsTotal, int sessionsDone, int sessionsFailed, int ranges,
                             long rangesCompared, long rangesDiffering, long keysSent, long keysReceived, long bytes,
                             Duration elapsed, Optional<String> failure, Optional<String> lastSessionFailure) {
    public RepairProgress {
        Objects.requireNonNull(elapsed, "elapsed");
        Objects.requireNonNull(failure, "failure");
        Objects.requireNonNull(lastSessionFailure, "lastSessionFailure");
    }

    static RepairProgress from(RepairJob job) {
        return new RepairProgress(job.getRunning(), job.getSessionsTotal(), job.getSessionsDone(),
                job.getSessionsFailed(), job.getRanges(), job.getRangesCompared(), job.getRangesDiffering(),
                job.getKeysSent(), job.getKeysReceived(), job.getBytes(), Duration.ofMillis(job.getElapsedMillis()),
                nonEmpty(job.getFailure()), nonEmpty(job.getLastSessionFailure()));
    }

    private static Optional<String> nonEmpty(String s) {
        return s.isEmpty() ? Optional.empty() : Optional.of(s);
    }

    /** Keys whose records crossed, either way. */
    public long keysExchanged() {
        return keysSent + keysReceived;
    }

    /** Whether the job has ended with every session completed. */
    public boolean succeeded() {
        return !running && sessionsFailed == 0 && failure.isEmpty();
    }
}
