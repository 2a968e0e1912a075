package io.murmur.sim.replication;

import io.murmur.membership.Liveness;
import io.murmur.membership.Membership;
import io.murmur.membership.MembershipSettings;
import io.murmur.proto.peer.GossipMessage;
import io.murmur.proto.peer.MemberState;
import io.murmur.proto.peer.PeerFrame;
import io.murmur.proto.peer.ReplicaMessage;
import io.murmur.replication.Replication;
import io.murmur.replication.ReplicationSettings;
import io.murmur.replication.Topology;
import io.murmur.ring.RingSnapshot;
import io.murmur.runtime.PeerNetwork;
import io.murmur.sim.LinkModel;
import io.murmur.sim.NodeContext;
import io.murmur.sim.NodeProcess;
import io.murmur.sim.Simulation;
import io.murmur.storage.InMemoryHintStore;
import io.murmur.storage.InMemoryStorage;

import java.util.List;

/**
 * A simulated database node: the membership core and the replication core a real node
 * runs, over the simulator's clock, timers and links. Both speak {@link PeerFrame}s on
 * one simulated network, as on a real node's peer port. Data and hints are kept by the
 * caller across restarts, so they survive crashes as a disk would; everything else is lost.
 */
public final class ReplicaNode implements NodeProcess<PeerFrame> {
    private final MembershipSettings membershipSettings;
    private final ReplicationSettings settings;
    private final List<String> seeds;
    private final int vnodes;
    private final InMemoryStorage storage;
    private final InMemoryHintStore hints;
    private Membership membership;
    private Replication replication;

    /**
     * @param storage the node's data, kept by the caller across restarts (its disk)
     * @param hints   the node's hints, likewise
     */
    public ReplicaNode(MembershipSettings membershipSettings, ReplicationSettings settings, List<String> seeds,
                       int vnodes, InMemoryStorage storage, InMemoryHintStore hints) {
        this.membershipSettings = membershipSettings;
        this.settings = settings;
        this.seeds = List.copyOf(seeds);
        this.vnodes = vnodes;
        this.storage = storage;
        this.hints = hints;
    }

    /** A simulation of database nodes, traced by message kind, with protobuf sizes as wire bytes. */
    public static Simulation<PeerFrame> newSimulation(long seed, LinkModel link) {
        return new Simulation<>(seed, link, ReplicaNode::describe, m -> m.getSerializedSize() + 4);
    }

    private static String describe(PeerFrame frame) {
        return switch (frame.getKindCase()) {
            case GOSSIP -> frame.getGossip().getBodyCase().name();
            case REPLICA -> frame.getReplica().getBodyCase().name();
            default -> frame.getKindCase().name();
        };
    }

    @Override
    public void start(NodeContext<PeerFrame> ctx) {
        long generation = (Long) ctx.durable().getOrDefault("generation", 0L) + 1;
        ctx.durable().put("generation", generation);
        PeerNetwork<PeerFrame> net = ctx.network();
        PeerNetwork<GossipMessage> gossipNet = (to, m) -> net.send(to, PeerFrame.newBuilder().setGossip(m).build());
        PeerNetwork<ReplicaMessage> replicaNet = (to, m) -> net.send(to, PeerFrame.newBuilder().setReplica(m).build());
        String id = ctx.nodeId();
        membership = new Membership(membershipSettings, new Membership.Identity(id, id, id, "r1", vnodes, 1,
                generation, generation > 1), seeds, ctx.clock(), ctx.scheduler(), gossipNet, ctx.random(),
                new Membership.Listener() {
                    @Override
                    public void ringChanged(RingSnapshot ring) {
                        // kept with the node's data, as a real node keeps it in its meta family
                        ctx.durable().put("members", membership.ringStates());
                    }
                });
        @SuppressWarnings("unchecked")
        List<MemberState> remembered = (List<MemberState>) ctx.durable().getOrDefault("members", List.of());
        membership.remember(remembered);
        Membership core = membership;
        Topology topology = new Topology() {
            @Override
            public RingSnapshot ring() {
                return core.ring();
            }

            @Override
            public boolean isLive(String nodeId) {
                return core.liveness(nodeId).map(l -> l != Liveness.DOWN).orElse(false);
            }

            @Override
            public boolean ready() {
                return core.settled();
            }

            @Override
            public String addressOf(String nodeId) {
                return core.liveness(nodeId).isPresent() ? nodeId : null;
            }
        };
        replication = new Replication(id, id, settings, storage, hints, ctx.clock(), ctx.scheduler(), replicaNet,
                topology);
        membership.start();
        replication.start();
    }

    @Override
    public void onMessage(String from, PeerFrame frame) {
        switch (frame.getKindCase()) {
            case GOSSIP -> membership.onMessage(from, frame.getGossip());
            case REPLICA -> replication.onMessage(from, frame.getReplica());
            default -> {
            }
        }
    }

    public Membership membership() {
        return membership;
    }

    public Replication replication() {
        return replication;
    }

}
