package io.murmur.sim;

import io.murmur.ring.Murmur3;
import io.murmur.runtime.Clock;
import io.murmur.runtime.PeerNetwork;
import io.murmur.runtime.Scheduler;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The simulation kernel: many nodes in one thread, on virtual time, driven by one
 * discrete-event queue, with a seeded network between them.
 *
 * <p>Design note. Everything that happens is an event with a virtual time and a sequence
 * number; events run one at a time in (time, sequence) order, and every random choice
 * (latency, loss, duplication, each node's own generator) comes from generators seeded by
 * the run's seed. So a seed fixes the whole run, and the trace hash, a running hash over
 * every event executed (time, node, label), is the same for the same seed and differs as
 * soon as anything differs. Faults act on this queue: a crash drops a node's pending
 * timers and in-memory state (a new process is made at restart; {@link
 * NodeContext#durable()} survives), a pause holds every event for the node until it
 * resumes (timers fire late, messages wait as in a socket buffer), a partition drops
 * messages between groups.
 *
 * @param <M> the message type nodes exchange
 */
public final class Simulation<M> {
    /** Virtual wall-clock time at virtual time zero: 2026-01-01T00:00:00Z. */
    public static final long EPOCH_MILLIS = 1_767_225_600_000L;

    /** A node's state in the simulation. */
    public enum NodeState { UP, PAUSED, CRASHED }

    /** Counters of what the network did. */
    public static final class NetworkStats {
        public long sent;
        public long delivered;
        public long lostToLoss;
        public long lostToPartition;
        public long lostToDownNode;
        public long duplicated;
        public long bytesSent;

        @Override
        public String toString() {
            return "sent=" + sent + " delivered=" + delivered + " lost(loss)=" + lostToLoss
                    + " lost(partition)=" + lostToPartition + " lost(down)=" + lostToDownNode
                    + " duplicated=" + duplicated + " bytes=" + bytesSent;
        }
    }

    private static final class Event implements Comparable<Event> {
        long time;
        long seq;
        final SimNode<?> node;
        /** The incarnation the event belongs to; -1 for messages, which go to whatever runs. */
        final int incarnation;
        final String label;
        final Runnable action;
        boolean cancelled;
        boolean done;

        Event(long time, long seq, SimNode<?> node, int incarnation, String label, Runnable action) {
            this.time = time;
            this.seq = seq;
            this.node = node;
            this.incarnation = incarnation;
            this.label = label;
            this.action = action;
        }

        @Override
        public int compareTo(Event o) {
            int c = Long.compare(time, o.time);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private static final class SimNode<M> {
        final String id;
        final long idHash;
        final Supplier<NodeProcess<M>> factory;
        final int index;
        final Map<String, Object> durable = new HashMap<>();
        final List<Event> deferred = new ArrayList<>();
        NodeState state = NodeState.CRASHED;
        int incarnation;
        NodeProcess<M> process;
        long wallSkewMillis;

        SimNode(String id, int index, Supplier<NodeProcess<M>> factory) {
            this.id = id;
            this.index = index;
            this.idHash = Murmur3.hash64(id.getBytes(StandardCharsets.UTF_8));
            this.factory = factory;
        }
    }

    private final long seed;
    private final SplittableRandom networkRandom;
    private final PriorityQueue<Event> queue = new PriorityQueue<>();
    private final Map<String, SimNode<M>> nodes = new LinkedHashMap<>();
    /** The ids in {@link #nodes}, as an unmodifiable list, rebuilt when a node is added. */
    private List<String> nodeIdList = List.of();
    /** Active partitions, each cutting every link between two groups of node indices. */
    private final List<BitSet[]> cuts = new ArrayList<>();
    private final NetworkStats stats = new NetworkStats();
    private final Function<? super M, String> describer;
    private final Function<? super M, Integer> sizer;
    private LinkModel link;
    private long now;
    private long seq;
    private long trace;
    private long eventsRun;

    /**
     * @param describer names a message in the trace (e.g. its type)
     * @param sizer     bytes a message would take on the wire, for traffic figures
     */
    public Simulation(long seed, LinkModel link, Function<? super M, String> describer,
                      Function<? super M, Integer> sizer) {
        this.seed = seed;
        this.networkRandom = new SplittableRandom(seed);
        this.link = Objects.requireNonNull(link, "link");
        this.describer = describer;
        this.sizer = sizer;
        this.trace = mix(0x9e3779b97f4a7c15L, seed);
    }

    public Simulation(long seed, LinkModel link) {
        this(seed, link, m -> m.getClass().getSimpleName(), m -> 0);
    }

    public long seed() {
        return seed;
    }

    /** Virtual nanoseconds since the start of the run. */
    public long now() {
        return now;
    }

    /** A hash of every event run so far: equal runs have equal hashes. */
    public long traceHash() {
        return trace;
    }

    public long eventsRun() {
        return eventsRun;
    }

    public NetworkStats networkStats() {
        return stats;
    }

    public List<String> nodeIds() {
        return nodeIdList;
    }

    public NodeState state(String nodeId) {
        return node(nodeId).state;
    }

    /** The process running on a node now, or null when it is crashed. */
    @SuppressWarnings("unchecked")
    public <P extends NodeProcess<M>> P process(String nodeId) {
        return (P) node(nodeId).process;
    }

    public void setLink(LinkModel link) {
        this.link = Objects.requireNonNull(link, "link");
    }

    /** Shifts a node's wall clock (not its monotonic clock) by {@code skew}. */
    public void setWallClockSkew(String nodeId, Duration skew) {
        node(nodeId).wallSkewMillis = skew.toMillis();
    }

    /** Adds a node and starts it now. */
    public void addNode(String id, Supplier<NodeProcess<M>> factory) {
        if (nodes.containsKey(id)) {
            throw new IllegalArgumentException("node " + id + " already exists");
        }
        SimNode<M> n = new SimNode<>(id, nodes.size(), factory);
        nodes.put(id, n);
        nodeIdList = List.copyOf(nodes.keySet());
        start(n);
    }

    /** Stops a node at once: its timers are dropped, its process forgotten. */
    public void crash(String nodeId) {
        SimNode<M> n = node(nodeId);
        if (n.state == NodeState.CRASHED) {
            return;
        }
        n.state = NodeState.CRASHED;
        n.process = null;
        n.deferred.clear();
        record(n, "crash");
    }

    /** Starts a crashed node again with a fresh process; its durable state is kept. */
    public void restart(String nodeId) {
        SimNode<M> n = node(nodeId);
        if (n.state != NodeState.CRASHED) {
            throw new IllegalStateException("node " + nodeId + " is " + n.state + ", not crashed");
        }
        start(n);
    }

    /** Freezes a node: nothing it would do happens until {@link #resume}. */
    public void pause(String nodeId) {
        SimNode<M> n = node(nodeId);
        if (n.state == NodeState.UP) {
            n.state = NodeState.PAUSED;
            record(n, "pause");
        }
    }

    /** Unfreezes a node: everything held for it runs now, in the order it was due. */
    public void resume(String nodeId) {
        SimNode<M> n = node(nodeId);
        if (n.state != NodeState.PAUSED) {
            return;
        }
        n.state = NodeState.UP;
        record(n, "resume");
        for (Event e : n.deferred) {
            e.time = now;
            e.seq = seq++;
            queue.add(e);
        }
        n.deferred.clear();
    }

    /** Cuts every link between {@code side} and the other nodes (both ways). */
    public void partition(Collection<String> side) {
        java.util.Set<String> a = new java.util.HashSet<>(side);
        List<String> rest = new ArrayList<>();
        for (String id : nodes.keySet()) {
            if (!a.contains(id)) {
                rest.add(id);
            }
        }
        partition(a, rest);
    }

    /** Cuts every link between the two groups (both ways). */
    public void partition(Collection<String> left, Collection<String> right) {
        BitSet l = new BitSet(nodes.size());
        BitSet r = new BitSet(nodes.size());
        for (String id : left) {
            l.set(node(id).index);
        }
        for (String id : right) {
            r.set(node(id).index);
        }
        cuts.add(new BitSet[] {l, r});
        trace = mix(trace, 0x7a11L + l.hashCode() * 31L + r.hashCode());
    }

    /** Restores every link. */
    public void heal() {
        cuts.clear();
        trace = mix(trace, 0x4ea1L);
    }

    public boolean isPartitioned(String a, String b) {
        return cut(node(a), node(b));
    }

    private boolean cut(SimNode<?> a, SimNode<?> b) {
        for (BitSet[] c : cuts) {
            if ((c[0].get(a.index) && c[1].get(b.index)) || (c[1].get(a.index) && c[0].get(b.index))) {
                return true;
            }
        }
        return false;
    }

    /** Runs {@code action} at virtual time now + {@code delay} (for scenario scripts). */
    public void schedule(Duration delay, String label, Runnable action) {
        queue.add(new Event(now + delay.toNanos(), seq++, null, 0, label, action));
    }

    /** Runs events until virtual time {@code endNanos}; afterwards {@link #now()} is {@code endNanos}. */
    public void runUntil(long endNanos) {
        while (!queue.isEmpty() && queue.peek().time <= endNanos) {
            step();
        }
        now = Math.max(now, endNanos);
    }

    public void runFor(Duration duration) {
        runUntil(now + duration.toNanos());
    }

    /** Runs the next event; returns false when none is left. */
    public boolean step() {
        Event e = queue.poll();
        if (e == null) {
            return false;
        }
        now = e.time;
        if (e.cancelled) {
            e.done = true;
            return true;
        }
        SimNode<?> n = e.node;
        if (n != null) {
            if (n.state == NodeState.CRASHED || (e.incarnation >= 0 && e.incarnation != n.incarnation)) {
                e.done = true;
                if (e.incarnation < 0) {
                    stats.lostToDownNode++;
                }
                return true;
            }
            if (n.state == NodeState.PAUSED) {
                n.deferred.add(e);
                return true;
            }
        }
        e.done = true;
        eventsRun++;
        trace = mix(mix(mix(trace, e.time), n == null ? 0 : n.idHash), e.label.hashCode());
        e.action.run();
        return true;
    }

    private void start(SimNode<M> n) {
        n.incarnation++;
        n.state = NodeState.UP;
        n.process = n.factory.get();
        record(n, "start");
        NodeProcess<M> process = n.process;
        Context ctx = new Context(n, n.incarnation);
        queue.add(new Event(now, seq++, n, n.incarnation, "start", () -> process.start(ctx)));
    }

    private void record(SimNode<M> n, String what) {
        trace = mix(mix(mix(trace, now), n.idHash), what.hashCode());
    }

    private void send(SimNode<M> from, String toId, M message) {
        SimNode<M> to = nodes.get(toId);
        stats.sent++;
        stats.bytesSent += sizer.apply(message);
        if (to == null || cut(from, to)) {
            stats.lostToPartition++;
            return;
        }
        if (link.lossProbability() > 0 && networkRandom.nextDouble() < link.lossProbability()) {
            stats.lostToLoss++;
            return;
        }
        deliverLater(from.id, to, message);
        if (link.duplicateProbability() > 0 && networkRandom.nextDouble() < link.duplicateProbability()) {
            stats.duplicated++;
            deliverLater(from.id, to, message);
        }
    }

    private void deliverLater(String fromId, SimNode<M> to, M message) {
        long at = now + link.sampleLatencyNanos(networkRandom);
        String label = describer.apply(message);
        queue.add(new Event(at, seq++, to, -1, label, () -> {
            stats.delivered++;
            to.process.onMessage(fromId, message);
        }));
    }

    private SimNode<M> node(String id) {
        SimNode<M> n = nodes.get(id);
        if (n == null) {
            throw new IllegalArgumentException("no node " + id);
        }
        return n;
    }

    private static long mix(long h, long v) {
        long k = v * 0x87c37b91114253d5L;
        k = Long.rotateLeft(k, 31) * 0x4cf5ad432745937fL;
        h ^= k;
        h = Long.rotateLeft(h, 27) * 5 + 0x52dce729;
        h ^= h >>> 33;
        return h;
    }

    /** The seams one incarnation of one node sees. */
    private final class Context implements NodeContext<M>, Clock, Scheduler, PeerNetwork<M> {
        private final SimNode<M> node;
        private final int incarnation;
        private final SplittableRandom random;

        Context(SimNode<M> node, int incarnation) {
            this.node = node;
            this.incarnation = incarnation;
            this.random = new SplittableRandom(mix(mix(seed, node.idHash), incarnation));
        }

        @Override
        public String nodeId() {
            return node.id;
        }

        @Override
        public int incarnation() {
            return incarnation;
        }

        @Override
        public Clock clock() {
            return this;
        }

        @Override
        public Scheduler scheduler() {
            return this;
        }

        @Override
        public PeerNetwork<M> network() {
            return this;
        }

        @Override
        public SplittableRandom random() {
            return random;
        }

        @Override
        public List<String> allNodes() {
            return nodeIdList;
        }

        @Override
        public Map<String, Object> durable() {
            return node.durable;
        }

        @Override
        public long nanos() {
            return now;
        }

        @Override
        public long wallMillis() {
            return EPOCH_MILLIS + now / 1_000_000 + node.wallSkewMillis;
        }

        @Override
        public Cancellable schedule(Runnable task, long delay, TimeUnit unit) {
            Event e = new Event(now + Math.max(0, unit.toNanos(delay)), seq++, node, incarnation, "timer", task);
            queue.add(e);
            return () -> {
                boolean pending = !e.done && !e.cancelled;
                e.cancelled = true;
                return pending;
            };
        }

        @Override
        public void send(String to, M message) {
            if (node.incarnation == incarnation && node.state != NodeState.CRASHED) {
                Simulation.this.send(node, to, message);
            }
        }
    }
}
