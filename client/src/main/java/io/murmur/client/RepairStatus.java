package io.murmur.client;

import io.murmur.proto.client.AntiEntropyStats;
import io.murmur.proto.client.RepairStatusReply;
import java.util.Objects;
import java.util.Optional;

/**
 * What a node reports about anti-entropy ({@link MurmurClient#repairStatus()}).
 *
 * @param job   its current or last on-demand repair; empty when it has run none since it started
 * @param stats its anti-entropy counters since it started, scheduled sessions included
 *              ({@code enabled} is false when anti-entropy is off on the node)
 */
public record RepairStatus(Optional<RepairProgress> job, AntiEntropyStats stats) {
    public RepairStatus {
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(stats, "stats");
    }

    static RepairStatus from(RepairStatusReply reply) {
        return new RepairStatus(reply.hasJob() ? Optional.of(RepairProgress.from(reply.getJob())) : Optional.empty(),
                reply.getStats());
    }
}
