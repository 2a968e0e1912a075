package io.murmur.client;

import io.murmur.proto.client.GetReply;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * What a read returns: every current sibling of the key (tombstones included) and one
 * causal context covering them all.
 *
 * <p>Design note: tombstones are kept rather than filtered out so that a caller can tell
 * "never written" from "deleted", and because the context still matters after a delete:
 * writing with it supersedes the tombstones instead of creating a sibling beside them.
 */
public final class GetResult {
    private final List<Sibling> siblings;
    private final CausalContext context;
    private final String coordinator;
    private final List<ReplicaAnswer> replicas;

    public GetResult(List<Sibling> siblings, CausalContext context) {
        this(siblings, context, "", List.of());
    }

    /** A result with what a verbose read reports, for tests and tools. */
    public GetResult(List<Sibling> siblings, CausalContext context, String coordinator, List<ReplicaAnswer> replicas) {
        this.siblings = List.copyOf(siblings);
        this.context = context;
        this.coordinator = Objects.requireNonNull(coordinator, "coordinator");
        this.replicas = List.copyOf(replicas);
    }

    static GetResult from(GetReply reply) {
        List<Sibling> siblings = new ArrayList<>(reply.getSiblingsCount());
        for (io.murmur.proto.client.Sibling s : reply.getSiblingsList()) {
            siblings.add(new Sibling(s.getValue(), s.getTombstone(), s.getWrittenAtMillis()));
        }
        List<ReplicaAnswer> replicas = new ArrayList<>(reply.getReplicasCount());
        for (io.murmur.proto.client.ReplicaAnswer a : reply.getReplicasList()) {
            List<VersionSummary> versions = new ArrayList<>(a.getVersionsCount());
            for (io.murmur.proto.client.VersionSummary v : a.getVersionsList()) {
                versions.add(new VersionSummary(v.getDot(), v.getTombstone(), v.getWrittenAtMillis(),
                        Integer.toUnsignedLong(v.getValueBytes())));
            }
            replicas.add(new ReplicaAnswer(a.getNodeId(), a.getOutcome(), versions));
        }
        return new GetResult(siblings, CausalContext.of(reply.getContext()), reply.getCoordinator(), replicas);
    }

    /** All current siblings, tombstones included; empty when the key was never written. */
    public List<Sibling> siblings() {
        return siblings;
    }

    /** Pass this to the next write of the key to supersede what was read. */
    public CausalContext context() {
        return context;
    }

    /**
     * For a verbose read ({@link GetOptions#withVerbose}): the node that coordinated it.
     * Empty otherwise, or when the node does not report it.
     */
    public String coordinator() {
        return coordinator;
    }

    /**
     * For a verbose read: each replica the coordinator asked, with what it answered by the
     * time the reply was sent. Empty otherwise, or when the node does not report them.
     */
    public List<ReplicaAnswer> replicas() {
        return replicas;
    }

    /** True when at least one sibling is a live value (not a tombstone). */
    public boolean found() {
        for (Sibling s : siblings) {
            if (!s.tombstone()) {
                return true;
            }
        }
        return false;
    }

    /** Copies of the live values, in sibling order; more than one means concurrent writes. */
    public List<byte[]> values() {
        List<byte[]> values = new ArrayList<>(siblings.size());
        for (Sibling s : siblings) {
            if (!s.tombstone()) {
                values.add(s.value());
            }
        }
        return Collections.unmodifiableList(values);
    }

    @Override
    public String toString() {
        return "GetResult" + siblings + " " + context;
    }
}
