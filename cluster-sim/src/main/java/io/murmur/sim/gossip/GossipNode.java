package io.murmur.sim.gossip;

import io.murmur.membership.Liveness;
import io.murmur.membership.Membership;
import io.murmur.membership.MembershipSettings;
import io.murmur.proto.peer.GossipMessage;
import io.murmur.sim.LinkModel;
import io.murmur.sim.NodeContext;
import io.murmur.sim.NodeProcess;
import io.murmur.sim.Simulation;

import java.util.List;

/**
 * The membership core on a simulated node: the same {@link Membership} a real node runs,
 * with the simulator's clock, timers, links and seeded generator. Node ids double as
 * peer addresses. The generation survives restarts in the node's durable state and grows
 * at every start, as a real node's does in its data dir.
 */
public final class GossipNode implements NodeProcess<GossipMessage> {
    /** Hears every verdict a node reaches about another: who judged, about whom, what, and when. */
    @FunctionalInterface
    public interface VerdictSink {
        void verdict(long atNanos, String observer, String subject, Liveness liveness);
    }

    private final MembershipSettings settings;
    private final List<String> seeds;
    private final String rack;
    private final int vnodes;
    private final VerdictSink verdicts;
    private Membership membership;

    public GossipNode(MembershipSettings settings, List<String> seeds, String rack, int vnodes) {
        this(settings, seeds, rack, vnodes, null);
    }

    /**
     * @param verdicts told of every liveness change this node decides, or null. With a sink
     *                 the core also publishes its ring on every change, which costs a ring
     *                 build per change: leave it out for very large clusters.
     */
    public GossipNode(MembershipSettings settings, List<String> seeds, String rack, int vnodes,
                      VerdictSink verdicts) {
        this.settings = settings;
        this.seeds = List.copyOf(seeds);
        this.rack = rack;
        this.vnodes = vnodes;
        this.verdicts = verdicts;
    }

    /** A simulation of gossiping nodes, with message kinds as trace labels and protobuf sizes as wire bytes. */
    public static Simulation<GossipMessage> newSimulation(long seed, LinkModel link) {
        return new Simulation<>(seed, link, m -> m.getBodyCase().name(), m -> m.getSerializedSize() + 4);
    }

    @Override
    public void start(NodeContext<GossipMessage> ctx) {
        long generation = (Long) ctx.durable().getOrDefault("generation", 0L) + 1;
        ctx.durable().put("generation", generation);
        Membership.Listener listener = null;
        if (verdicts != null) {
            String self = ctx.nodeId();
            listener = new Membership.Listener() {
                @Override
                public void livenessChanged(String nodeId, Liveness liveness) {
                    verdicts.verdict(ctx.clock().nanos(), self, nodeId, liveness);
                }
            };
        }
        membership = new Membership(settings,
                new Membership.Identity(ctx.nodeId(), ctx.nodeId(), ctx.nodeId(), rack, vnodes, 1, generation),
                seeds, ctx.clock(), ctx.scheduler(), ctx.network(), ctx.random(), listener);
        membership.start();
    }

    @Override
    public void onMessage(String from, GossipMessage message) {
        membership.onMessage(from, message);
    }

    /** The running core; a new one after every restart. */
    public Membership membership() {
        return membership;
    }
}
