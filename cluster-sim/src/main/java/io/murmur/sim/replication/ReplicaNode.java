package io.murmur.sim.replication;

import io.murmur.antientropy.AntiEntropy;
import io.murmur.antientropy.AntiEntropySettings;
import io.murmur.antientropy.TrackedStorage;
import io.murmur.antientropy.TreeIndex;
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
import java.util.function.Consumer;

/**
 * A simulated database node: the membership, replication and anti-entropy cores a real
 * node runs, over the simulator's clock, timers and links. All three speak
 * {@link PeerFrame}s on one simulated network, as on a real node's peer port (repair
 * sessions travel inside replica messages). What the node keeps on its {@link Disk} (data,
 * hints, the members it last knew) is kept by the caller across restarts, so it survives
 * crashes as a disk would; everything else is lost, the Merkle trees among it: they are
 * rebuilt from the data at every start.
 */
public final class ReplicaNode implements NodeProcess<PeerFrame> {
    /**
     * What a node keeps across restarts. A new, empty one stands for a replaced disk: the
     * node comes back with no data, no hints and no memory of the ring, and joins again.
     */
    public static final class Disk {
        final InMemoryStorage data = new InMemoryStorage();
        final InMemoryHintStore hints = new InMemoryHintStore();
        /** The other members as last seen, as a real node keeps them in its meta family. */
        List<MemberState> members = List.of();
        /** Whether a node has started on this disk before (it rejoins rather than joins). */
        boolean used;

        public InMemoryStorage data() {
            return data;
        }

        public InMemoryHintStore hints() {
            return hints;
        }
    }

    private final MembershipSettings membershipSettings;
    private final ReplicationSettings settings;
    private final AntiEntropySettings antiEntropySettings;
    private final List<String> seeds;
    private final int vnodes;
    private final Disk disk;
    private final Consumer<AntiEntropy.SessionResult> sessions;
    private Membership membership;
    private Replication replication;
    private AntiEntropy antiEntropy;

    /**
     * @param disk     the node's data, hints and remembered members, kept by the caller across restarts
     * @param sessions hears every repair session this node initiates end
     */
    public ReplicaNode(MembershipSettings membershipSettings, ReplicationSettings settings,
                       AntiEntropySettings antiEntropySettings, List<String> seeds, int vnodes, Disk disk,
                       Consumer<AntiEntropy.SessionResult> sessions) {
        this.membershipSettings = membershipSettings;
        this.settings = settings;
        this.antiEntropySettings = antiEntropySettings;
        this.seeds = List.copyOf(seeds);
        this.vnodes = vnodes;
        this.disk = disk;
        this.sessions = sessions;
    }

    /** A simulation of database nodes, traced by message kind, with protobuf sizes as wire bytes. */
    public static Simulation<PeerFrame> newSimulation(long seed, LinkModel link) {
        return new Simulation<>(seed, link, ReplicaNode::describe, m -> m.getSerializedSize() + 4);
    }

    static String describe(PeerFrame frame) {
        return switch (frame.getKindCase()) {
            case GOSSIP -> frame.getGossip().getBodyCase().name();
            case REPLICA -> frame.getReplica().hasRepair()
                    ? "REPAIR_" + frame.getReplica().getRepair().getBodyCase().name()
                    : frame.getReplica().getBodyCase().name();
            default -> frame.getKindCase().name();
        };
    }

    @Override
    public void start(NodeContext<PeerFrame> ctx) {
        // a real node's generation also never goes back (it is at least the wall clock's
        // seconds), so it survives a replaced disk here too
        long generation = (Long) ctx.durable().getOrDefault("generation", 0L) + 1;
        ctx.durable().put("generation", generation);
        boolean rejoining = disk.used;
        disk.used = true;
        PeerNetwork<PeerFrame> net = ctx.network();
        PeerNetwork<GossipMessage> gossipNet = (to, m) -> net.send(to, PeerFrame.newBuilder().setGossip(m).build());
        PeerNetwork<ReplicaMessage> replicaNet = (to, m) -> net.send(to, PeerFrame.newBuilder().setReplica(m).build());
        String id = ctx.nodeId();
        membership = new Membership(membershipSettings, new Membership.Identity(id, id, id, "r1", vnodes, 1,
                generation, rejoining), seeds, ctx.clock(), ctx.scheduler(), gossipNet, ctx.random(),
                new Membership.Listener() {
                    @Override
                    public void ringChanged(RingSnapshot ring) {
                        disk.members = membership.ringStates();
                    }
                });
        membership.remember(disk.members);
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
        // the trees are memory: a fresh index at every start, filled from the data once the ring is known
        TrackedStorage storage = new TrackedStorage(disk.data, new TreeIndex(antiEntropySettings.depth()));
        replication = new Replication(id, id, settings, storage, disk.hints, ctx.clock(), ctx.scheduler(), replicaNet,
                topology);
        antiEntropy = new AntiEntropy(id, id, antiEntropySettings, settings.n(), storage, replication.tombstones(),
                ctx.clock(), ctx.scheduler(), replicaNet, topology);
        replication.tombstones().requireRepair(antiEntropy, antiEntropySettings.clockSkewMillis());
        antiEntropy.onSessionEnd(sessions);
        membership.start();
        replication.start();
        antiEntropy.start();
    }

    @Override
    public void onMessage(String from, PeerFrame frame) {
        switch (frame.getKindCase()) {
            case GOSSIP -> membership.onMessage(from, frame.getGossip());
            case REPLICA -> {
                if (frame.getReplica().hasRepair()) {
                    antiEntropy.onMessage(frame.getReplica());
                } else {
                    replication.onMessage(from, frame.getReplica());
                }
            }
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

    public AntiEntropy antiEntropy() {
        return antiEntropy;
    }
}
