package io.murmur.replication;

import io.murmur.version.Dot;
import io.murmur.version.VectorClock;
import io.murmur.version.VersionedRecord;

import java.util.List;

/** What the replication core answers a client's read or write. */
public final class Outcomes {
    private Outcomes() {
    }

    /** How a request ended. */
    public enum Status {
        /** Done: the quorum was reached. */
        OK,
        /** Too few live replicas for the quorum; decided before anything was sent, nothing written. */
        UNAVAILABLE,
        /** The deadline passed before the quorum; a write may be applied on some replicas. */
        TIMEOUT,
        /** A fault on this node (a disk error); nothing is known about the other replicas. */
        FAILED
    }

    /**
     * A write's outcome.
     *
     * @param acks    replicas that acknowledged by the time the outcome was decided
     * @param dot     the new version's dot, for {@link Status#OK}
     * @param context the new version's causal context (its dot included), for {@link Status#OK}
     * @param message why, for anything but {@link Status#OK}
     */
    public record WriteResult(Status status, int acks, Dot dot, VectorClock context, String message) {
        static WriteResult ok(int acks, Dot dot, VectorClock context) {
            return new WriteResult(Status.OK, acks, dot, context, "");
        }

        static WriteResult failed(Status status, int acks, String message) {
            return new WriteResult(status, acks, null, null, message);
        }
    }

    /**
     * A read's outcome.
     *
     * @param replies replicas that answered by the time the outcome was decided
     * @param record  the reconciliation of their answers, for {@link Status#OK}
     * @param answers what each replica asked had answered, for verbose reads (empty otherwise)
     * @param message why, for anything but {@link Status#OK}
     */
    public record ReadResult(Status status, int replies, VersionedRecord record, List<ReplicaAnswer> answers,
                             String message) {
        static ReadResult failed(Status status, int replies, String message) {
            return new ReadResult(status, replies, VersionedRecord.EMPTY, List.of(), message);
        }
    }

    /**
     * One replica's answer to a read.
     *
     * @param outcome "ok", "no answer" or "error: …"
     * @param record  what it held, when ok
     */
    public record ReplicaAnswer(String nodeId, String outcome, VersionedRecord record) {
    }
}
