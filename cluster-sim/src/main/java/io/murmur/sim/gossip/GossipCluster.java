package io.murmur.sim.gossip;

import io.murmur.membership.Liveness;
import io.murmur.membership.Membership;
import io.murmur.membership.MembershipSettings;
import io.murmur.proto.peer.GossipMessage;
import io.murmur.sim.LinkModel;
import io.murmur.sim.Simulation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * A simulated cluster of {@link GossipNode}s with the questions experiments and tests ask
 * of it: does every node know this member, hold it DOWN, agree on the ring; how long until
 * they do. Nodes are named {@code g0000, g0001, ...}; the first {@code seedCount} are the
 * seeds every node joins through. Optionally every verdict any node reaches is recorded.
 */
public final class GossipCluster {
    /** One node's verdict about another, at a virtual time. */
    public record Verdict(long atNanos, String observer, String subject, Liveness liveness) {
    }

    private final Simulation<GossipMessage> sim;
    private final MembershipSettings settings;
    private final List<String> seeds = new ArrayList<>();
    private final int seedCount;
    private final int vnodes;
    private final boolean recordVerdicts;
    private final List<Verdict> verdicts = new ArrayList<>();
    private final Set<String> departed = new HashSet<>();
    private int created;

    /**
     * @param recordVerdicts keep every verdict (see {@link #verdicts()}); costs a ring build
     *                       per ring change on every node, so leave it off for thousands of nodes
     */
    public GossipCluster(long seed, LinkModel link, MembershipSettings settings, int seedCount, int vnodes,
                         boolean recordVerdicts) {
        if (seedCount < 1) {
            throw new IllegalArgumentException("need at least one seed");
        }
        this.sim = GossipNode.newSimulation(seed, link);
        this.settings = settings;
        this.seedCount = seedCount;
        this.vnodes = vnodes;
        this.recordVerdicts = recordVerdicts;
        for (int i = 0; i < seedCount; i++) {
            seeds.add(idOf(i));
        }
    }

    /** The node id of the {@code i}-th node created. */
    public static String idOf(int i) {
        return String.format(Locale.ROOT, "g%04d", i);
    }

    public Simulation<GossipMessage> simulation() {
        return sim;
    }

    public MembershipSettings settings() {
        return settings;
    }

    public List<String> seeds() {
        return List.copyOf(seeds.subList(0, Math.min(seedCount, created)));
    }

    /** Starts one more node now and returns its id. */
    public String addNode() {
        String id = idOf(created++);
        GossipNode.VerdictSink sink = recordVerdicts
                ? (at, observer, subject, liveness) -> verdicts.add(new Verdict(at, observer, subject, liveness))
                : null;
        String rack = "r" + (created % 3);
        sim.addNode(id, () -> new GossipNode(settings, seeds, rack, vnodes, sink));
        return id;
    }

    /** Starts {@code count} more nodes now. */
    public List<String> addNodes(int count) {
        List<String> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ids.add(addNode());
        }
        return ids;
    }

    /** The core running on {@code id}, or null when the node is crashed or has not started yet. */
    public Membership membership(String id) {
        GossipNode node = sim.process(id);
        return node == null ? null : node.membership();
    }

    /** Nodes that run (up or paused) and have not left. */
    public List<String> live() {
        List<String> out = new ArrayList<>();
        for (String id : sim.nodeIds()) {
            if (sim.state(id) != Simulation.NodeState.CRASHED && !departed.contains(id)) {
                out.add(id);
            }
        }
        return out;
    }

    /** Live nodes other than {@code except}. */
    public List<String> liveExcept(String... except) {
        List<String> out = live();
        out.removeAll(List.of(except));
        return out;
    }

    /**
     * Has {@code id} announce that it leaves ({@link Membership#leave}); from then on it no
     * longer counts as live. {@code done} runs once its core has stopped.
     */
    public void leave(String id, Runnable done) {
        departed.add(id);
        membership(id).leave(done);
    }

    /** What {@code observer} holds of {@code subject}; empty when it does not list it or has not started. */
    public Optional<Liveness> liveness(String observer, String subject) {
        Membership m = membership(observer);
        return m == null ? Optional.empty() : m.liveness(subject);
    }

    /** Whether every observer lists {@code subject}. */
    public boolean allKnow(String subject, Collection<String> observers) {
        for (String o : observers) {
            if (!o.equals(subject) && liveness(o, subject).isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /** How many observers list {@code subject}. */
    public int knowing(String subject, Collection<String> observers) {
        int n = 0;
        for (String o : observers) {
            if (!o.equals(subject) && liveness(o, subject).isPresent()) {
                n++;
            }
        }
        return n;
    }

    /** Whether every observer holds {@code subject} at {@code liveness}. */
    public boolean allHold(String subject, Liveness liveness, Collection<String> observers) {
        for (String o : observers) {
            if (!o.equals(subject) && liveness(o, subject).orElse(null) != liveness) {
                return false;
            }
        }
        return true;
    }

    /** How many observers hold {@code subject} at {@code liveness}. */
    public int holding(String subject, Liveness liveness, Collection<String> observers) {
        int n = 0;
        for (String o : observers) {
            if (!o.equals(subject) && liveness(o, subject).orElse(null) == liveness) {
                n++;
            }
        }
        return n;
    }

    /** Whether every live node lists every other live node. */
    public boolean fullViews() {
        List<String> live = live();
        Set<String> set = new HashSet<>(live);
        for (String o : live) {
            Membership m = membership(o);
            if (m == null || m.knownMembers() < live.size() - 1) {
                return false;
            }
        }
        for (String o : live) {
            for (String s : set) {
                if (!s.equals(o) && liveness(o, s).isEmpty()) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The smallest number of other members any live node lists. */
    public int smallestView() {
        int min = Integer.MAX_VALUE;
        for (String o : live()) {
            Membership m = membership(o);
            min = Math.min(min, m == null ? 0 : m.knownMembers());
        }
        return min;
    }

    /**
     * Whether every live node holds every other live node ALIVE and all show the same ring
     * fingerprint.
     */
    public boolean allAliveAndAgreed() {
        List<String> live = live();
        long fingerprint = 0;
        boolean first = true;
        for (String o : live) {
            Membership m = membership(o);
            if (m == null) {
                return false;
            }
            for (String s : live) {
                if (!s.equals(o) && m.liveness(s).orElse(null) != Liveness.ALIVE) {
                    return false;
                }
            }
            long f = m.ringFingerprint();
            if (first) {
                fingerprint = f;
                first = false;
            } else if (f != fingerprint) {
                return false;
            }
        }
        return true;
    }

    /**
     * Runs in steps of {@code step} until {@code condition} holds or {@code limit} has passed;
     * returns the virtual nanoseconds it took (a multiple of the step, checked before the first
     * step too), or empty if it did not happen within the limit.
     */
    public OptionalLong runUntil(BooleanSupplier condition, Duration step, Duration limit) {
        long start = sim.now();
        long end = start + limit.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return OptionalLong.of(sim.now() - start);
            }
            if (sim.now() >= end) {
                return OptionalLong.empty();
            }
            sim.runUntil(Math.min(end, sim.now() + step.toNanos()));
        }
    }

    public void runFor(Duration duration) {
        sim.runFor(duration);
    }

    /** Every verdict recorded so far, in the order reached (empty unless recording). */
    public List<Verdict> verdicts() {
        return verdicts;
    }

    /** Bytes all nodes sent so far, as the simulator counts them. */
    public long bytesSent() {
        return sim.networkStats().bytesSent;
    }
}
