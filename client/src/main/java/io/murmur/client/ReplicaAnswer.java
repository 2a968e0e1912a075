package io.murmur.client;

import java.util.List;
import java.util.Objects;

/**
 * What one replica answered a verbose read ({@link GetOptions#withVerbose}), as the
 * coordinator reports it, for diagnosis.
 *
 * @param nodeId   the replica
 * @param outcome  {@code "ok"}, {@code "no answer"} (not by the time the reply was sent) or
 *                 {@code "error: ..."}
 * @param versions the versions the replica holds for the key, without their values
 */
public record ReplicaAnswer(String nodeId, String outcome, List<VersionSummary> versions) {
    public ReplicaAnswer {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(outcome, "outcome");
        versions = List.copyOf(versions);
    }
}
